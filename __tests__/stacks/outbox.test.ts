/**
 * The transactional outbox in the plan: the orders table's stream and outbox index, the relay and
 * its failures queue, the scheduled sweep, and who may publish.
 */
import { ENVIRONMENT_NAMES, EnvironmentName } from "../../stacks/environments";
import { EVENT_TYPES } from "../../contract/events";
import { committedSettings, fanoutStack, Plan, referencedName, resourcesOf, synthJson } from "../support/synth";

const compact = (text: string) => text.replace(/\s+/g, "");

describe.each(ENVIRONMENT_NAMES)("order-fanout-%s", (name: EnvironmentName) => {
  const plan: Plan = synthJson(fanoutStack(committedSettings(name)));
  const prefix = `order-fanout-${name}`;
  const tables = resourcesOf(plan, "aws_dynamodb_table");
  const [ordersId, orders] = Object.entries(tables).find(([, t]) => t.name === `${prefix}-orders`)!;
  const functionNamed = (suffix: string) =>
    Object.entries(resourcesOf(plan, "aws_lambda_function")).find(
      ([, f]) => f.function_name === `${prefix}-${suffix}`,
    )!;
  const relayFunction = functionNamed("outbox-relay");
  const sweepFunction = functionNamed("outbox-sweep");
  const failures = Object.entries(resourcesOf(plan, "aws_sqs_queue")).find(
    ([, q]) => q.name === `${prefix}-outbox-relay-failures`,
  )!;
  const policyOf = (fn: [string, any]) => {
    const roleId = referencedName(fn[1].role, "aws_iam_role")!;
    return compact(
      Object.values(resourcesOf(plan, "aws_iam_role_policy")).find(
        (p) => referencedName(p.role, "aws_iam_role") === roleId,
      ).policy,
    );
  };

  it("streams the orders table's new images, and no other table's", () => {
    expect(orders).toMatchObject({ stream_enabled: true, stream_view_type: "NEW_IMAGE" });
    for (const [id, table] of Object.entries(tables)) if (id !== ordersId) expect(table.stream_enabled).toBeUndefined();
  });

  it("feeds the relay from the stream, only images with unpublished events, giving a record up to its failures queue within bounds", () => {
    const mapping = Object.values(resourcesOf(plan, "aws_lambda_event_source_mapping")).find((m) =>
      m.event_source_arn.includes("stream_arn"),
    );
    expect(mapping).toMatchObject({
      event_source_arn: `\${aws_dynamodb_table.${ordersId}.stream_arn}`,
      function_name: `\${aws_lambda_function.${relayFunction[0]}.arn}`,
      starting_position: "TRIM_HORIZON",
      // Up to 100 new orders a second in one invocation: the window delays only the rescue of a failed API publish.
      batch_size: 100,
      maximum_batching_window_in_seconds: 1,
      bisect_batch_on_function_error: true,
      // An hour of retries on AWS (only a failing service fails the relay); half a minute locally.
      maximum_retry_attempts: name === "local" ? 10 : 10_000,
      maximum_record_age_in_seconds: name === "local" ? -1 : 3600,
      function_response_types: ["ReportBatchItemFailures"],
      destination_config: { on_failure: { destination_arn: `\${aws_sqs_queue.${failures[0]}.arn}` } },
    });
    // A standard queue (Lambda takes no FIFO one here), kept 14 days, TLS only.
    expect(failures[1]).toMatchObject({ sqs_managed_sse_enabled: true, message_retention_seconds: 1_209_600 });
    expect(failures[1].fifo_queue).toBeUndefined();
    const policy = Object.values(resourcesOf(plan, "aws_sqs_queue_policy")).find(
      (p) => referencedName(p.queue_url, "aws_sqs_queue") === failures[0],
    );
    expect(compact(policy.policy)).toContain('"aws:SecureTransport"=["false"]');
    const pattern = compact(mapping.filter_criteria.filter[0].pattern);
    expect(pattern).toBe(
      `\${jsonencode({"eventName"=["INSERT","MODIFY"],"dynamodb"={"NewImage"={"unpublished"={"SS"=[${EVENT_TYPES.map((t) => `"${t}"`).join(",")}]}}}})}`,
    );
  });

  it("lets the relay read the stream, read and mark orders, publish, and record a given-up batch, nothing more", () => {
    const text = policyOf(relayFunction);
    expect(text).toContain(`"Action"=["sqs:SendMessage"],"Resource"=[aws_sqs_queue.${failures[0]}.arn]`);
    expect(text).toContain(
      `"Action"=["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams"],"Resource"=[aws_dynamodb_table.${ordersId}.stream_arn]`,
    );
    expect(text).toContain(`"Action"=["dynamodb:GetItem"],"Resource"=[aws_dynamodb_table.${ordersId}.arn]`);
    expect(text).toContain(
      `"Action"=["dynamodb:UpdateItem"],"Resource"=[aws_dynamodb_table.${ordersId}.arn],"Condition"={"ForAllValues:StringEquals"={"dynamodb:Attributes"=["orderId","outbox","unpublished","outboxShard","outboxSince"]}}`,
    );
    expect(text).toMatch(/"Action"=\["sns:Publish"\],"Resource"=\[aws_sns_topic\.order-events_topic_\w+\.arn\]/);
    expect(relayFunction[1].environment.variables).toMatchObject({
      ORDERS_TABLE: `\${aws_dynamodb_table.${ordersId}.name}`,
      TOPIC_ARN: expect.stringContaining("aws_sns_topic.order-events_topic_"),
    });
  });

  it("alarms when the relay fails, is throttled, lags the stream or gives a record up", () => {
    const alarms = Object.values(resourcesOf(plan, "aws_cloudwatch_metric_alarm")).filter((a) =>
      a.alarm_name.startsWith(`${prefix}-outbox-relay-`),
    );
    expect(alarms.map((a) => a.metric_name).sort()).toEqual([
      "ApproximateNumberOfMessagesVisible",
      "Errors",
      "IteratorAge",
      "Throttles",
    ]);
    const gaveUp = alarms.find((a) => a.metric_name === "ApproximateNumberOfMessagesVisible");
    expect(gaveUp.dimensions).toEqual({ QueueName: `\${aws_sqs_queue.${failures[0]}.name}` });
  });

  it("indexes orders with unpublished events in a sparse, key-only index the sweep queries", () => {
    expect(orders.global_secondary_index).toEqual(
      [{ name: "outbox-pending", hash_key: "outboxShard", range_key: "outboxSince", projection_type: "KEYS_ONLY" }].map(
        // Warm in prod for the index's own writes (two per order at the 10,000/s peak), not the table's.
        (index) =>
          name === "prod"
            ? { ...index, warm_throughput: { read_units_per_second: 12_000, write_units_per_second: 30_000 } }
            : index,
      ),
    );
    expect(orders.attribute).toEqual([
      { name: "orderId", type: "S" },
      { name: "outboxShard", type: "S" },
      { name: "outboxSince", type: "S" },
    ]);
    const text = policyOf(sweepFunction);
    expect(text).toContain(
      `"Action"=["dynamodb:Query"],"Resource"=["\${aws_dynamodb_table.${ordersId}.arn}/index/outbox-pending"]`,
    );
    expect(text).toContain(`"Action"=["dynamodb:GetItem"],"Resource"=[aws_dynamodb_table.${ordersId}.arn]`);
    expect(text).toContain(
      `"Action"=["dynamodb:UpdateItem"],"Resource"=[aws_dynamodb_table.${ordersId}.arn],"Condition"={"ForAllValues:StringEquals"={"dynamodb:Attributes"=["orderId","outbox","unpublished","outboxShard","outboxSince"]}}`,
    );
    expect(text).toMatch(/"Action"=\["sns:Publish"\],"Resource"=\[aws_sns_topic\.order-events_topic_\w+\.arn\]/);
  });

  it("sweeps every minute on EventBridge's schedule, with the permission it needs, past a grace", () => {
    const [ruleId, rule] = Object.entries(resourcesOf(plan, "aws_cloudwatch_event_rule"))[0];
    expect(rule).toMatchObject({ name: `${prefix}-outbox-sweep-schedule`, schedule_expression: "rate(1 minute)" });
    expect(Object.values(resourcesOf(plan, "aws_cloudwatch_event_target"))).toEqual([
      expect.objectContaining({
        rule: `\${aws_cloudwatch_event_rule.${ruleId}.name}`,
        arn: `\${aws_lambda_function.${sweepFunction[0]}.arn}`,
      }),
    ]);
    expect(Object.values(resourcesOf(plan, "aws_lambda_permission"))).toContainEqual(
      expect.objectContaining({
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        function_name: `\${aws_lambda_function.${sweepFunction[0]}.function_name}`,
        source_arn: `\${aws_cloudwatch_event_rule.${ruleId}.arn}`,
      }),
    );
    expect(sweepFunction[1].timeout).toBeLessThan(60);
    expect(sweepFunction[1].environment.variables.SWEEP_GRACE_SECONDS).toBe(name === "local" ? "15" : "120");
  });

  it("pages when an event waited unpublished past 10 minutes, or the sweep stopped reporting", () => {
    const alarm = Object.values(resourcesOf(plan, "aws_cloudwatch_metric_alarm")).find(
      (a) => a.alarm_name === `${prefix}-outbox-oldest-unpublished`,
    );
    expect(alarm).toMatchObject({
      metric_name: "OldestUnpublishedAgeSeconds",
      dimensions: { service: "outbox-sweep" },
      statistic: "Maximum",
      threshold: 600,
      evaluation_periods: 5,
      datapoints_to_alarm: 3,
      treat_missing_data: "breaching",
    });
  });

  it("lets each consumer write only the order attributes it records (dynamodb:Attributes); inventory also its reservation and rejection", () => {
    for (const service of ["billing", "notification", "review", "inventory"]) {
      const text = policyOf(functionNamed(service));
      const attributes =
        service === "inventory"
          ? '"orderId","fulfilment","reservation","status","rejectedAt","outbox","unpublished","outboxShard","outboxSince"'
          : '"orderId","fulfilment"';
      expect(text).toContain(
        `"Action"=["dynamodb:UpdateItem"],"Resource"=[aws_dynamodb_table.${ordersId}.arn],"Condition"={"ForAllValues:StringEquals"={"dynamodb:Attributes"=[${attributes}]}}`,
      );
      // No other statement lets it update the orders table.
      expect(
        text.match(new RegExp(`"dynamodb:UpdateItem"\\],"Resource"=\\[aws_dynamodb_table\\.${ordersId}\\.arn`, "g")),
      ).toHaveLength(1);
    }
  });

  it("lets billing tell a missing invoice from a forbidden one (ListBucket)", () => {
    const billing = Object.values(resourcesOf(plan, "aws_lambda_function")).find(
      (f) => f.function_name === `${prefix}-billing`,
    );
    const roleId = referencedName(billing.role, "aws_iam_role");
    const policy = Object.values(resourcesOf(plan, "aws_iam_role_policy")).find(
      (p) => referencedName(p.role, "aws_iam_role") === roleId,
    );
    expect(compact(policy.policy)).toMatch(
      /"Action"=\["s3:ListBucket"\],"Resource"=\[aws_s3_bucket\.documents_bucket_\w+\.arn\]/,
    );
  });

  it("gives review a threshold per currency", () => {
    const review = Object.values(resourcesOf(plan, "aws_lambda_function")).find(
      (f) => f.function_name === `${prefix}-review`,
    );
    expect(JSON.parse(review.environment.variables.REVIEW_THRESHOLDS)).toEqual(
      committedSettings(name).reviewThresholdCents,
    );
  });
});

describe("synth refuses a review threshold SNS cannot match", () => {
  it("refuses one beyond the numeric filter range, naming the currency", () => {
    const settings = committedSettings("dev");
    expect(() =>
      fanoutStack({ ...settings, reviewThresholdCents: { ...settings.reviewThresholdCents, USD: 2_000_000_000 } }),
    ).toThrow(
      "the USD review threshold must be whole cents from 0 to 1000000000 (SNS's numeric filter range), got 2000000000",
    );
  });
});
