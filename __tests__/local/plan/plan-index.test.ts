import { PlanError, PlanIndex } from "../../../local/plan/plan-index";
import { loadPlan } from "../../../local/plan/plan";
import type { TerraformPlan } from "../../../local/plan/synth-plan";
import { LOCAL_TEST_ACCOUNT, localPlanForTests } from "../../support/synth";

/** A queue, its consumer and the mapping between them, as cdktf writes them. */
const plan = (): TerraformPlan => ({
  resource: {
    aws_sqs_queue: { orders: { "//": { metadata: {} }, name: "orders.fifo", depends_on: ["x"] } },
    aws_lambda_function: {
      worker: { function_name: "worker", environment: { variables: { QUEUE: "${aws_sqs_queue.orders.url}" } } },
    },
    aws_lambda_event_source_mapping: {
      feed: {
        event_source_arn: "${aws_sqs_queue.orders.arn}",
        function_name: "${aws_lambda_function.worker.arn}",
        batch_size: 10,
      },
    },
  },
});

describe("the plan index", () => {
  const index = new PlanIndex(plan());
  const queue = index.resource("aws_sqs_queue", "orders");
  const mapping = index.resource("aws_lambda_event_source_mapping", "feed");

  it("holds each resource by type and address, with its own arguments only", () => {
    expect(new PlanIndex({ resource: { ...plan().resource, aws_ecs_cluster: {} } }).types).toEqual([
      "aws_sqs_queue",
      "aws_lambda_function",
      "aws_lambda_event_source_mapping",
    ]);
    expect(index.all("aws_lambda_event_source_mapping").map((r) => r.address)).toEqual([
      "aws_lambda_event_source_mapping.feed",
    ]);
    expect(queue).toEqual({
      type: "aws_sqs_queue",
      name: "orders",
      address: "aws_sqs_queue.orders",
      config: { name: "orders.fifo" },
    });
    expect(index.all("aws_dynamodb_table")).toEqual([]);
  });

  it("follows a reference to the resource it names, in nested blocks too", () => {
    const fn = index.referencedBy(mapping, "function_name", "aws_lambda_function");
    expect(fn.address).toBe("aws_lambda_function.worker");
    expect(index.referencedBy(fn, "environment.variables.QUEUE", "aws_sqs_queue")).toBe(queue);
  });

  it("finds the resources that refer to one", () => {
    expect(index.referrers("aws_lambda_event_source_mapping", "event_source_arn", queue)).toEqual([mapping]);
    expect(index.referrer("aws_lambda_event_source_mapping", "event_source_arn", queue)).toBe(mapping);
  });

  it("refuses a reference to a resource the plan does not declare, naming both", () => {
    const broken = plan();
    delete broken.resource!.aws_lambda_function.worker;
    const brokenIndex = new PlanIndex(broken);
    const feed = brokenIndex.resource("aws_lambda_event_source_mapping", "feed");
    expect(() => brokenIndex.referencedBy(feed, "function_name", "aws_lambda_function")).toThrow(
      new PlanError(
        "aws_lambda_event_source_mapping.feed: function_name refers to aws_lambda_function.worker, which is not declared",
      ),
    );
    expect(() => brokenIndex.resource("aws_lambda_function", "worker")).toThrow(
      new PlanError("aws_lambda_function.worker is referenced but not declared"),
    );
  });

  it("refuses a missing relation, naming the resource and what it lacks", () => {
    expect(() => index.referencedBy(mapping, "batch_size", "aws_lambda_function")).toThrow(
      new PlanError("aws_lambda_event_source_mapping.feed: batch_size refers to no aws_lambda_function, expected one"),
    );
    const fn = index.resource("aws_lambda_function", "worker");
    expect(() => index.referrer("aws_lambda_event_source_mapping", "event_source_arn", fn)).toThrow(
      new PlanError(
        "aws_lambda_function.worker: no aws_lambda_event_source_mapping refers to it by event_source_arn, expected one",
      ),
    );
  });

  it("refuses an expression it cannot read and a resource with count, naming the resource", () => {
    const unreadable = plan();
    unreadable.resource!.aws_lambda_event_source_mapping.feed.function_name = "${aws_lambda_function.worker[0].arn}";
    const unreadableIndex = new PlanIndex(unreadable);
    expect(() =>
      unreadableIndex.referencedBy(
        unreadableIndex.resource("aws_lambda_event_source_mapping", "feed"),
        "function_name",
        "aws_lambda_function",
      ),
    ).toThrow(/^aws_lambda_event_source_mapping\.feed\.function_name: indexing aws_lambda_function\.worker\[\.\.\.\]/);
    const counted = plan();
    counted.resource!.aws_sqs_queue.orders.count = 2;
    expect(() => new PlanIndex(counted)).toThrow(new PlanError("aws_sqs_queue.orders: count is not supported"));
  });
});

describe("the local plan loader over the index", () => {
  const synthesized = localPlanForTests("plan-index-test");
  const copy = (): TerraformPlan => JSON.parse(JSON.stringify(synthesized));

  it("serves each route with the function its integration refers to", () => {
    const model = loadPlan(copy(), LOCAL_TEST_ACCOUNT);
    expect(new Set(model.routes.map((r) => r.functionName))).toEqual(new Set(["order-fanout-local-orders-api"]));
  });

  it("refuses a reference to a resource the plan does not declare, naming the resource that holds it", () => {
    const plan = copy();
    const functions = plan.resource!.aws_lambda_function as Record<string, any>;
    const [first] = Object.keys(functions);
    functions[first].environment.variables.ORDERS_TABLE = "${aws_dynamodb_table.gone.name}";
    expect(() => loadPlan(plan, LOCAL_TEST_ACCOUNT)).toThrow(
      new PlanError(`aws_lambda_function.${first}: aws_dynamodb_table.gone is referenced but not declared`),
    );
  });

  it("refuses a route whose integration is not declared, and an integration that names no function", () => {
    const noIntegration = copy();
    const integrations = noIntegration.resource!.aws_apigatewayv2_integration;
    const [integration] = Object.keys(integrations);
    delete integrations[integration];
    expect(() => loadPlan(noIntegration, LOCAL_TEST_ACCOUNT)).toThrow(
      new RegExp(
        `^aws_apigatewayv2_route\\.\\S+: aws_apigatewayv2_integration\\.${integration} is referenced but not declared$`,
      ),
    );
    const noFunction = copy();
    noFunction.resource!.aws_apigatewayv2_integration[integration].integration_uri =
      "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/elsewhere/invocations";
    expect(() => loadPlan(noFunction, LOCAL_TEST_ACCOUNT)).toThrow(
      new PlanError(
        `aws_apigatewayv2_integration.${integration}: integration_uri refers to no aws_lambda_function, expected one`,
      ),
    );
  });
});
