/**
 * The parts of the fan-out the model reads, found in a synthesized plan by how they are wired
 * (local/plan/plan-index.ts), never by their names: the API's function is the one its routes'
 * integration invokes; the topic is the one that function publishes to (its TOPIC_ARN); a consumer
 * is the function an event source mapping feeds from a queue subscribed to that topic; the orders
 * table is the one the API function stores orders in (its ORDERS_TABLE).
 */
import { CONSUMER_SERVICES, ConsumerService } from "../contract/services";
import { PlanError, PlanIndex, PlanResource } from "../local/plan/plan-index";

export interface ConsumerParts {
  readonly service: ConsumerService;
  readonly fn: PlanResource;
  readonly mapping: PlanResource;
  readonly queue: PlanResource;
  readonly subscription: PlanResource;
}

export interface FanoutParts {
  readonly apiFunction: PlanResource;
  readonly apiStage: PlanResource;
  readonly topic: PlanResource;
  readonly ordersTable: PlanResource;
  /** One per consumer service, in CONSUMER_SERVICES' order. */
  readonly consumers: readonly ConsumerParts[];
}

function only(what: string, values: PlanResource[]): PlanResource {
  if (values.length !== 1) throw new PlanError(`the plan has ${values.length} ${what}, expected one`);
  return values[0];
}

/** The one function every route of the API invokes, through the integration the route targets. */
function invokedFunction(index: PlanIndex, api: PlanResource): PlanResource {
  const routes = index.referrers("aws_apigatewayv2_route", "api_id", api);
  const invoked = new Set(
    routes.map((route) =>
      index.referencedBy(
        index.referencedBy(route, "target", "aws_apigatewayv2_integration"),
        "integration_uri",
        "aws_lambda_function",
      ),
    ),
  );
  if (invoked.size !== 1) {
    throw new PlanError(`${api.address}: its routes invoke ${invoked.size} functions, expected one`);
  }
  return [...invoked][0];
}

/** The service a function runs as (POWERTOOLS_SERVICE_NAME), which must be a consumer's. */
function serviceOf(fn: PlanResource): ConsumerService {
  const variables = (fn.config.environment as { variables?: Record<string, unknown> } | undefined)?.variables;
  const service = CONSUMER_SERVICES.find((s) => s === variables?.POWERTOOLS_SERVICE_NAME);
  if (!service) {
    throw new PlanError(
      `${fn.address}: POWERTOOLS_SERVICE_NAME ${String(variables?.POWERTOOLS_SERVICE_NAME)} is not a consumer service (${CONSUMER_SERVICES.join(", ")})`,
    );
  }
  return service;
}

/** The consumer behind a subscription: its queue, the mapping on that queue and the function it feeds. */
function consumerOf(index: PlanIndex, subscription: PlanResource): ConsumerParts {
  const queue = index.referencedBy(subscription, "endpoint", "aws_sqs_queue");
  const mapping = index.referrer("aws_lambda_event_source_mapping", "event_source_arn", queue);
  const fn = index.referencedBy(mapping, "function_name", "aws_lambda_function");
  return { service: serviceOf(fn), fn, mapping, queue, subscription };
}

export function fanoutParts(index: PlanIndex): FanoutParts {
  const api = only("HTTP APIs", index.all("aws_apigatewayv2_api"));
  const apiFunction = invokedFunction(index, api);
  const topic = index.referencedBy(apiFunction, "environment.variables.TOPIC_ARN", "aws_sns_topic");
  const found = index
    .referrers("aws_sns_topic_subscription", "topic_arn", topic)
    .filter((subscription) => subscription.config.protocol === "sqs")
    .map((subscription) => consumerOf(index, subscription));
  const consumers = CONSUMER_SERVICES.map((service) => {
    const of = found.filter((c) => c.service === service);
    if (of.length !== 1) {
      throw new PlanError(
        `${topic.address}: ${of.length} subscribed queues feed a ${service} function (POWERTOOLS_SERVICE_NAME), expected one`,
      );
    }
    return of[0];
  });
  return {
    apiFunction,
    apiStage: index.referrer("aws_apigatewayv2_stage", "api_id", api),
    topic,
    ordersTable: index.referencedBy(apiFunction, "environment.variables.ORDERS_TABLE", "aws_dynamodb_table"),
    consumers,
  };
}
