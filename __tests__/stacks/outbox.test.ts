/** The transactional outbox in the plan: the orders table's stream, the relay, and who may publish. */
import { ENVIRONMENT_NAMES, EnvironmentName } from "../../stacks/environments";
import { EVENT_TYPES } from "../../lambda-src/shared/events";
import { committedSettings, fanoutStack, Plan, referencedName, resourcesOf, synthJson } from "../support/synth";

const compact = (text: string) => text.replace(/\s+/g, "");

describe.each(ENVIRONMENT_NAMES)("order-fanout-%s", (name: EnvironmentName) => {
  const plan: Plan = synthJson(fanoutStack(committedSettings(name)));
  const prefix = `order-fanout-${name}`;
  const tables = resourcesOf(plan, "aws_dynamodb_table");
  const [ordersId, orders] = Object.entries(tables).find(([, t]) => t.name === `${prefix}-orders`)!;
  const relayFunction = Object.entries(resourcesOf(plan, "aws_lambda_function")).find(
    ([, f]) => f.function_name === `${prefix}-outbox-relay`,
  )!;

  it("streams the orders table's new images, and no other table's", () => {
    expect(orders).toMatchObject({ stream_enabled: true, stream_view_type: "NEW_IMAGE" });
    for (const [id, table] of Object.entries(tables)) if (id !== ordersId) expect(table.stream_enabled).toBeUndefined();
  });

  it("feeds the relay from the stream, only images with unpublished events, retrying until a record expires", () => {
    const mapping = Object.values(resourcesOf(plan, "aws_lambda_event_source_mapping")).find((m) =>
      m.event_source_arn.includes("stream_arn"),
    );
    expect(mapping).toMatchObject({
      event_source_arn: `\${aws_dynamodb_table.${ordersId}.stream_arn}`,
      function_name: `\${aws_lambda_function.${relayFunction[0]}.arn}`,
      starting_position: "TRIM_HORIZON",
      batch_size: 10,
      bisect_batch_on_function_error: true,
      maximum_retry_attempts: -1,
      maximum_record_age_in_seconds: -1,
      function_response_types: ["ReportBatchItemFailures"],
    });
    const pattern = compact(mapping.filter_criteria.filter[0].pattern);
    expect(pattern).toBe(
      `\${jsonencode({"eventName"=["INSERT","MODIFY"],"dynamodb"={"NewImage"={"unpublished"={"SS"=[${EVENT_TYPES.map((t) => `"${t}"`).join(",")}]}}}})}`,
    );
  });

  it("lets the relay read the stream, read and mark orders, and publish, nothing more", () => {
    const roleId = referencedName(relayFunction[1].role, "aws_iam_role")!;
    const policy = Object.values(resourcesOf(plan, "aws_iam_role_policy")).find(
      (p) => referencedName(p.role, "aws_iam_role") === roleId,
    )!;
    const text = compact(policy.policy);
    expect(text).toContain(
      `"Action"=["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams"],"Resource"=[aws_dynamodb_table.${ordersId}.stream_arn]`,
    );
    expect(text).toContain(
      `"Action"=["dynamodb:GetItem","dynamodb:UpdateItem"],"Resource"=[aws_dynamodb_table.${ordersId}.arn]`,
    );
    expect(text).toMatch(/"Action"=\["sns:Publish"\],"Resource"=\[aws_sns_topic\.order-events_topic_\w+\.arn\]/);
    expect(relayFunction[1].environment.variables).toMatchObject({
      ORDERS_TABLE: `\${aws_dynamodb_table.${ordersId}.name}`,
      TOPIC_ARN: expect.stringContaining("aws_sns_topic.order-events_topic_"),
    });
  });

  it("alarms when the relay fails, is throttled or lags the stream", () => {
    const alarms = Object.values(resourcesOf(plan, "aws_cloudwatch_metric_alarm")).filter((a) =>
      a.alarm_name.startsWith(`${prefix}-outbox-relay-`),
    );
    expect(alarms.map((a) => a.metric_name).sort()).toEqual(["Errors", "IteratorAge", "Throttles"]);
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
