import { Construct } from "constructs";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Fn } from "cdktf";
import { BundledFunction } from "./bundled-function";
import { policyDocument } from "./policy";
import { anyCountAlarm, functionAlarms, OpsAlarms } from "./ops-alarms";
import { ORDERS_NOT_PUBLISHED_METRIC } from "../../contract/metrics";

/** The routes of the orders API, all served by one function. */
export const ORDER_ROUTES = [
  "POST /orders",
  "GET /orders/{orderId}",
  "POST /orders/{orderId}/cancel",
  "GET /operator/orders/{orderId}",
  "POST /operator/orders/{orderId}/cancel",
] as const;

/**
 * What a caller may be allowed, one managed policy each: a storefront places and reads, a support
 * tool reads and cancels, a reporting job only reads. The handler lets a caller read and cancel
 * only its own orders (lambda-src/orders-api/router.ts, callerOf); the operator policy reaches
 * the operator routes, which read and cancel any order.
 */
export const CAPABILITIES = {
  place: ["POST /orders"],
  read: ["GET /orders/{orderId}"],
  cancel: ["POST /orders/{orderId}/cancel"],
  operator: ["GET /operator/orders/{orderId}", "POST /operator/orders/{orderId}/cancel"],
} as const satisfies Record<string, readonly (typeof ORDER_ROUTES)[number][]>;
export type Capability = keyof typeof CAPABILITIES;

export interface OrdersApiProps {
  /** The API's name; it also names the access log group (`/aws/apigateway/<name>`) and the invoke policies. */
  readonly name: string;
  /** The function every route invokes (payload format 2.0). */
  readonly handler: BundledFunction;
  /** `AWS_IAM` (SigV4-signed callers only) or `NONE`. */
  readonly authorization: "AWS_IAM" | "NONE";
  /**
   * The `$default` stage's throttle: requests in a burst, and requests per second in steady state
   * (at most the account's API Gateway quota, 10,000/s by default).
   */
  readonly throttle: { readonly burstLimit: number; readonly rateLimit: number };
  /** Days the access log group keeps logs: one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, …). */
  readonly logRetentionDays: number;
}

/** What the API's alarms watch beyond the API itself. */
export interface OrdersApiAlarmOptions {
  /** Page when the p99 latency stays above this many milliseconds for 15 minutes; 1 to 30,000 (API Gateway's integration timeout). */
  readonly latencyThresholdMs: number;
  /** The handler's Powertools metrics namespace (POWERTOOLS_METRICS_NAMESPACE). */
  readonly metricsNamespace: string;
  /** The handler's Powertools service (POWERTOOLS_SERVICE_NAME), the `service` dimension of its metrics. */
  readonly service: string;
}

/**
 * The execute-api resource of a route in any stage: `POST /orders/{orderId}/cancel` is
 * `<api>/<stage>/POST/orders/<any>/cancel`, with `*` for stage and any
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
 */
function routeResource(executionArn: string, routeKey: string): string {
  const [method, path] = routeKey.split(" ");
  return `${executionArn}/*/${method}${path.replace(/\{[^}]+\}/g, "*")}`;
}

/**
 * An HTTP API (API Gateway v2) routing ORDER_ROUTES to one Lambda with payload format 2.0, a
 * `$default` stage with JSON access logs and throttling, and an invoke permission for this API only.
 * With `AWS_IAM` authorization it also creates one managed policy per capability (place, read,
 * cancel) that a caller's role attaches to call exactly that route (`invokePolicies`).
 */
export class OrdersApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly url: string;
  readonly invokePolicies?: Record<Capability, IamPolicy>;
  private readonly handler: BundledFunction;

  constructor(scope: Construct, id: string, props: OrdersApiProps) {
    super(scope, id);
    this.handler = props.handler;
    const fn = props.handler.fn;
    this.api = new Apigatewayv2Api(this, "api", { name: props.name, protocolType: "HTTP" });
    const integration = new Apigatewayv2Integration(this, "integration", {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: fn.invokeArn,
      integrationMethod: "POST",
      payloadFormatVersion: "2.0",
    });
    ORDER_ROUTES.forEach((routeKey, index) => {
      new Apigatewayv2Route(this, `route-${index}`, {
        apiId: this.api.id,
        routeKey,
        target: `integrations/${integration.id}`,
        authorizationType: props.authorization,
      });
    });
    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.name}`,
      retentionInDays: props.logRetentionDays,
    });
    new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: Fn.jsonencode({
          requestId: "$context.requestId",
          ip: "$context.identity.sourceIp",
          caller: "$context.identity.caller",
          requestTime: "$context.requestTime",
          routeKey: "$context.routeKey",
          status: "$context.status",
          responseLength: "$context.responseLength",
          integrationError: "$context.integrationErrorMessage",
        }),
      },
      defaultRouteSettings: {
        throttlingBurstLimit: props.throttle.burstLimit,
        throttlingRateLimit: props.throttle.rateLimit,
      },
    });
    new LambdaPermission(this, "invoke", {
      statementId: "AllowOrdersApiInvoke",
      action: "lambda:InvokeFunction",
      functionName: fn.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/*/*`,
    });
    this.url = this.api.apiEndpoint;
    if (props.authorization === "AWS_IAM") {
      const policyFor = (capability: Capability) =>
        new IamPolicy(this, `${capability}-policy`, {
          name: `${props.name}-${capability}`,
          description: `Calls ${CAPABILITIES[capability].join(" and ")} on the ${props.name} API`,
          policy: policyDocument([
            {
              sid: `Invoke${capability[0].toUpperCase()}${capability.slice(1)}`,
              actions: ["execute-api:Invoke"],
              resources: CAPABILITIES[capability].map((route) => routeResource(this.api.executionArn, route)),
            },
          ]),
        });
      this.invokePolicies = {
        place: policyFor("place"),
        read: policyFor("read"),
        cancel: policyFor("cancel"),
        operator: policyFor("operator"),
      };
    }
  }

  /**
   * Pages on server errors, on a p99 latency above the threshold for 15 minutes, on the handler's
   * errors and throttles, and on orders stored whose event could not be published. The alarms sit
   * beside the API, each as the suffix of its name: one name in the account, one address.
   */
  addAlarms(alarms: OpsAlarms, options: OrdersApiAlarmOptions): void {
    const scope = this.node.scope!;
    const apiMetric = { namespace: "AWS/ApiGateway", dimensions: { ApiId: this.api.id } };
    alarms.add(scope, "api-5xx", {
      ...apiMetric,
      metricName: "5xx",
      statistic: "Sum",
      period: 300,
      threshold: 5,
      alarmDescription: "The orders API answered more than 5 server errors in 5 minutes",
    });
    alarms.add(scope, "api-p99-latency", {
      ...apiMetric,
      metricName: "Latency",
      extendedStatistic: "p99",
      period: 300,
      evaluationPeriods: 3,
      threshold: options.latencyThresholdMs,
      alarmDescription: `The orders API's p99 latency stayed above ${options.latencyThresholdMs} ms for 15 minutes`,
    });
    for (const [what, alarm] of Object.entries(functionAlarms(this.handler.functionName))) {
      alarms.add(scope, `orders-api-${what}`, alarm);
    }
    alarms.add(
      scope,
      "orders-not-published",
      anyCountAlarm(
        { namespace: options.metricsNamespace, service: options.service, metricName: ORDERS_NOT_PUBLISHED_METRIC },
        "Orders were stored but their event could not be published (the client was told to retry)",
      ),
    );
  }
}
