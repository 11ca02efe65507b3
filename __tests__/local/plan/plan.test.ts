import { loadPlan, PlanError } from "../../../local/plan/plan";
import type { TerraformPlan } from "../../../local/plan/synth-plan";
import { LOCAL_TEST_ACCOUNT, localPlanForTests } from "../../support/synth";
import { evaluateString } from "../../../local/plan/hcl-expression";

const account = LOCAL_TEST_ACCOUNT;
const synthesized = localPlanForTests("plan-test");
const copy = (): TerraformPlan => JSON.parse(JSON.stringify(synthesized));

describe("the local plan loader", () => {
  const model = loadPlan(copy(), account);

  it("creates what the local stack declares", () => {
    // Four source queues, their four DLQs, and the relay's failures queue.
    expect(model.queues).toHaveLength(9);
    expect(model.topics.map((t) => t.name).sort()).toEqual([
      "order-fanout-local-ops-alarms",
      "order-fanout-local-order-events.fifo",
    ]);
    expect(model.subscriptions).toHaveLength(4);
    expect(model.tables.map((t) => t.name).sort()).toEqual([
      "order-fanout-local-idempotency",
      "order-fanout-local-orders",
      "order-fanout-local-products",
    ]);
    expect(model.tables.find((t) => t.name.endsWith("idempotency"))!.ttlAttribute).toBe("expiration");
    expect(model.buckets).toEqual(["order-fanout-local-documents-000000000000"]);
    expect(model.routes.map((r) => r.routeKey).sort()).toEqual([
      "GET /operator/orders/{orderId}",
      "GET /orders/{orderId}",
      "POST /operator/orders/{orderId}/cancel",
      "POST /orders",
      "POST /orders/{orderId}/cancel",
    ]);
    expect(model.eventSources.every((s) => s.reportBatchItemFailures && s.batchSize === 5)).toBe(true);
    expect(model.streamSources.map((s) => s.onFailureQueue)).toEqual(["order-fanout-local-outbox-relay-failures"]);
    expect(model.tables.find((t) => t.name.endsWith("-orders"))!.indexes.map((i) => i.name)).toEqual([
      "outbox-pending",
    ]);
    expect(model.schedules).toEqual([
      {
        address: expect.stringMatching(/^aws_cloudwatch_event_rule\.outbox-sweep_schedule_/),
        ruleName: "order-fanout-local-outbox-sweep-schedule",
        ruleArn: "arn:aws:events:us-east-1:000000000000:rule/order-fanout-local-outbox-sweep-schedule",
        everyMs: 60_000,
        functionName: "order-fanout-local-outbox-sweep",
      },
    ]);
  });

  it("runs a schedule only with the permission EventBridge needs, and only at a rate", () => {
    const withoutPermission = copy();
    const permissions = withoutPermission.resource!.aws_lambda_permission;
    for (const name of Object.keys(permissions)) if (name.startsWith("outbox-sweep")) delete permissions[name];
    expect(() => loadPlan(withoutPermission, account)).toThrow(
      "function order-fanout-local-outbox-sweep has no aws_lambda_permission for events.amazonaws.com from order-fanout-local-outbox-sweep-schedule; EventBridge's invocations would be refused",
    );
    const cron = copy();
    const rules = cron.resource!.aws_cloudwatch_event_rule;
    rules[Object.keys(rules)[0]].schedule_expression = "cron(0 * * * ? *)";
    expect(() => loadPlan(cron, account)).toThrow(
      /schedule_expression cron\(0 \* \* \* \? \*\) is not supported locally/,
    );
    rules[Object.keys(rules)[0]].schedule_expression = "rate(1 minutes)";
    expect(() => loadPlan(cron, account)).toThrow(/schedule_expression rate\(1 minutes\) is not supported locally/);
  });

  it("reads the orders API's reserved concurrency (the account's unreserved figure counts it), and no other's", () => {
    const reserved = model.functions.filter((f) => f.reservedConcurrency !== undefined);
    expect(reserved.map((f) => [f.name, f.reservedConcurrency])).toEqual([["order-fanout-local-orders-api", 10]]);
  });

  it("resolves every reference a function's environment holds", () => {
    const api = model.functions.find((f) => f.name === "order-fanout-local-orders-api")!;
    expect(api.environment).toMatchObject({
      ORDERS_TABLE: "order-fanout-local-orders",
      PRODUCTS_TABLE: "order-fanout-local-products",
      TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:order-fanout-local-order-events.fifo",
    });
    for (const fn of model.functions) expect(JSON.stringify(fn.environment)).not.toContain("${");
  });

  it("keeps queue attributes, redrive and subscription filters", () => {
    const review = model.queues.find((q) => q.name === "order-fanout-local-review.fifo")!;
    expect(review.attributes).toMatchObject({ FifoQueue: "true", VisibilityTimeout: "30" });
    expect(JSON.parse(review.attributes.RedrivePolicy)).toEqual({
      deadLetterTargetArn: "arn:aws:sqs:us-east-1:000000000000:order-fanout-local-review-dlq.fifo",
      maxReceiveCount: 3,
    });
    const filtered = model.subscriptions.find((s) => s.queueArn === review.arn)!;
    expect(JSON.parse(filtered.attributes.FilterPolicy)).toEqual({
      $or: [
        { eventType: ["OrderPlaced"], currency: ["EUR"], totalCents: [{ numeric: [">=", 100000] }] },
        { eventType: ["OrderPlaced"], currency: ["USD"], totalCents: [{ numeric: [">=", 110000] }] },
        { eventType: ["OrderPlaced"], currency: ["GBP"], totalCents: [{ numeric: [">=", 85000] }] },
        { eventType: ["OrderPlaced"], largeTotal: ["true"] },
        { eventType: ["OrderCancelled", "OrderRejected"] },
      ],
    });
    expect(filtered.attributes.RawMessageDelivery).toBe("true");
  });

  it("refuses a subscribed queue whose policy does not admit the topic, naming it", () => {
    const plan = copy();
    const policies = plan.resource!.aws_sqs_queue_policy;
    const [billingPolicy] = Object.keys(policies).filter((name) => name.startsWith("billing-queue_queue-policy"));
    policies[billingPolicy].policy = String(policies[billingPolicy].policy).replace(
      /"sns\.amazonaws\.com"/,
      '"events.amazonaws.com"',
    );
    expect(() => loadPlan(plan, account)).toThrow(
      /aws_sns_topic_subscription\.billing-queue_order-events-subscription_\w+: SNS could not deliver to queue order-fanout-local-billing\.fifo \(policy aws_sqs_queue_policy\.billing-queue_queue-policy_\w+\): User: sns\.amazonaws\.com is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:order-fanout-local-billing\.fifo because no resource-based policy allows/,
    );
  });

  it("refuses a subscribed queue with no policy at all", () => {
    const plan = copy();
    const policies = plan.resource!.aws_sqs_queue_policy;
    delete policies[Object.keys(policies).find((name) => name.startsWith("review-queue_queue-policy"))!];
    expect(() => loadPlan(plan, account)).toThrow(
      /review-queue_order-events-subscription_\w+: SNS could not deliver to queue order-fanout-local-review\.fifo \(no policy\)/,
    );
  });

  it("refuses a policy that admits another topic", () => {
    const plan = copy();
    const policies = plan.resource!.aws_sqs_queue_policy;
    const name = Object.keys(policies).find((n) => n.startsWith("inventory-queue_queue-policy"))!;
    policies[name].policy = String(policies[name].policy).replace(
      /tolist\(\[aws_sns_topic\.order-events_topic_\w+\.arn\]\)/,
      '["arn:aws:sns:us-east-1:000000000000:other.fifo"]',
    );
    expect(() => loadPlan(plan, account)).toThrow(
      /inventory-queue_order-events-subscription_\w+: SNS could not deliver to queue order-fanout-local-inventory\.fifo \(policy aws_sqs_queue_policy\.inventory-queue_queue-policy_\w+\)/,
    );
  });

  it("refuses an unsupported resource, naming its address", () => {
    const plan = copy();
    plan.resource!.aws_ecs_cluster = { workers: { name: "workers" } };
    expect(() => loadPlan(plan, account)).toThrow(
      new PlanError("aws_ecs_cluster.workers: resource type aws_ecs_cluster is not supported by the local runtime"),
    );
  });

  it("refuses an unsupported data source and an unsupported argument, naming each", () => {
    const withData = copy();
    withData.data = { ...withData.data, aws_vpc: { main: {} } };
    expect(() => loadPlan(withData, account)).toThrow(
      "data.aws_vpc.main: data source aws_vpc is not supported by the local runtime",
    );
    const withArgument = copy();
    const queues = withArgument.resource!.aws_sqs_queue;
    const first = Object.keys(queues)[0];
    queues[first].tags_all = { a: "b" };
    expect(() => loadPlan(withArgument, account)).toThrow(
      `aws_sqs_queue.${first}: argument tags_all is not supported locally`,
    );
  });

  it.each([
    ["aws_lambda_function", "vpc_config", [{ subnet_ids: ["s"] }]],
    ["aws_sns_topic_subscription", "delivery_policy", "{}"],
    ["aws_apigatewayv2_route", "authorizer_id", "a"],
    ["aws_apigatewayv2_integration", "timeout_milliseconds", 1000],
    ["aws_apigatewayv2_api", "cors_configuration", [{ allow_origins: ["*"] }]],
    ["aws_s3_bucket", "object_lock_enabled", true],
  ])("refuses %s's argument %s, naming it", (type, argument, value) => {
    const plan = copy();
    const resources = plan.resource![type];
    const first = Object.keys(resources)[0];
    resources[first][argument] = value;
    expect(() => loadPlan(plan, account)).toThrow(`${type}.${first}: argument ${argument} is not supported locally`);
  });

  it("refuses a route whose authorization the local gateway would not enforce", () => {
    const plan = copy();
    const routes = plan.resource!.aws_apigatewayv2_route;
    const first = Object.keys(routes)[0];
    routes[first].authorization_type = "AWS_IAM";
    expect(() => loadPlan(plan, account)).toThrow(
      `aws_apigatewayv2_route.${first}: authorization_type AWS_IAM is not enforced locally; the local stack uses NONE`,
    );
  });

  it("refuses an expression it cannot evaluate instead of guessing", () => {
    const plan = copy();
    const tables = plan.resource!.aws_dynamodb_table;
    const first = Object.keys(tables)[0];
    tables[first].name = "${upper(var.name)}";
    expect(() => loadPlan(plan, account)).toThrow(/function upper\(\) is not supported locally/);
  });
});

describe("Terraform expressions", () => {
  const resolve = (p: string[]) => `<${p.join(".")}>`;
  it("evaluates templates, references and jsonencode", () => {
    expect(evaluateString("plain", resolve)).toBe("plain");
    expect(evaluateString("${aws_sqs_queue.a.arn}", resolve)).toBe("<aws_sqs_queue.a.arn>");
    expect(evaluateString("arn:${data.aws_partition.p.partition}:x", resolve)).toBe(
      "arn:<data.aws_partition.p.partition>:x",
    );
    expect(evaluateString('${jsonencode({"a" = [1, true, "x-${b.c.d}"], k = null})}', resolve)).toBe(
      '{"a":[1,true,"x-<b.c.d>"],"k":null}',
    );
    expect(evaluateString("$${literal}", resolve)).toBe("${literal}");
  });

  it("evaluates tolist over a tuple and refuses it over anything else", () => {
    expect(evaluateString('${jsonencode({"arns" = tolist([a.b.arn])})}', resolve)).toBe('{"arns":["<a.b.arn>"]}');
    expect(() => evaluateString('${tolist("x")}', resolve)).toThrow('tolist() takes a tuple, got "x"');
  });

  it("refuses operators and indexing", () => {
    expect(() => evaluateString("${a.b.c + 1}", resolve)).toThrow('operator "+" is not supported locally');
    expect(() => evaluateString("${a.b[0]}", resolve)).toThrow("indexing a.b[...] is not supported locally");
  });
});
