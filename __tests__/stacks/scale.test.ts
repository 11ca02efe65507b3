/**
 * Prod's peak design as synthesized: per-consumer concurrency, the API's throttle and reservation,
 * warm tables, and the notification service paced to the SES rate. docs/scale.md explains the figures.
 */
import { environmentSettings } from "../../stacks/environments";
import { CONSUMER_SERVICES } from "../../contract/services";
import { committedSettings, fanoutStack, resourcesOf, synthJson } from "../support/synth";

const prod = committedSettings("prod");
const plan = synthJson(fanoutStack(prod));
const functionNamed = (name: string) =>
  Object.values(resourcesOf(plan, "aws_lambda_function")).find((f) => f.function_name === name);

describe("prod, sized for its peak", () => {
  it("gives each consumer's mapping its own maximum concurrency", () => {
    const mappings = Object.values(resourcesOf(plan, "aws_lambda_event_source_mapping")).filter(
      (m) => m.scaling_config,
    );
    const byService = Object.fromEntries(
      mappings.map((m) => [
        CONSUMER_SERVICES.find((c) => m.function_name.includes(`.${c}-consumer_`)),
        m.scaling_config.maximum_concurrency,
      ]),
    );
    expect(byService).toEqual(prod.eventSource.maxConcurrency);
    expect(prod.peakOrdersPerSecond).toBe(10_000);
  });

  it("throttles the API at the account's rate and reserves its concurrency", () => {
    const [stage] = Object.values(resourcesOf(plan, "aws_apigatewayv2_stage"));
    expect(stage.default_route_settings).toMatchObject({ throttling_rate_limit: 10_000, throttling_burst_limit: 5000 });
    expect(functionNamed("order-fanout-prod-orders-api").reserved_concurrent_executions).toBe(1000);
  });

  it("warms prod's tables for the peak and leaves the others on plain on-demand", () => {
    const tables = Object.values(resourcesOf(plan, "aws_dynamodb_table"));
    for (const table of tables) {
      const kind = table.name.replace("order-fanout-prod-", "") as keyof NonNullable<typeof prod.warmThroughput>;
      expect(table.warm_throughput).toEqual({
        read_units_per_second: prod.warmThroughput![kind]!.readUnitsPerSecond,
        write_units_per_second: prod.warmThroughput![kind]!.writeUnitsPerSecond,
      });
    }
    const dev = synthJson(fanoutStack(committedSettings("dev")));
    for (const table of Object.values(resourcesOf(dev, "aws_dynamodb_table")))
      expect(table.warm_throughput).toBeUndefined();
  });

  it("pages at 80 % of SES's 24-hour quota over a sliding day, and at the first e-mail refused for a quota", () => {
    const alarms = Object.values(resourcesOf(plan, "aws_cloudwatch_metric_alarm"));
    const daily = alarms.find((a) => a.alarm_name === "order-fanout-prod-email-daily-quota");
    expect(daily).toMatchObject({
      namespace: "AWS/SES",
      metric_name: "Send",
      statistic: "Sum",
      period: 86_400,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      threshold: 0.8 * prod.notification.dailyQuota,
    });
    expect(alarms.find((a) => a.alarm_name === "order-fanout-prod-email-quota-refused")).toMatchObject({
      namespace: "order-fanout/prod",
      metric_name: "EmailsRefusedByQuota",
      dimensions: { service: "notification" },
      threshold: 0,
    });
  });

  it("paces the notification service to its share of the SES rate", () => {
    const variables = functionNamed("order-fanout-prod-notification").environment.variables;
    expect(variables).toMatchObject({ SES_MAX_SEND_RATE: "10000", SES_SENDERS: "1000" });
  });

  it("refuses an SES rate that leaves a notification environment less than one e-mail per half timeout", () => {
    const settings = environmentSettings("dev", {});
    const slow = { ...settings, notification: { ...settings.notification, maxSendRate: 0.2 } } as typeof settings;
    expect(() => fanoutStack(slow)).toThrow(
      "notification.maxSendRate 0.2/s shared by 2 notification environments leaves each less than one e-mail per half timeout (5 s)",
    );
  });

  it("refuses an e-mail objective the SES rate cannot carry at the design peak, and pages at a day without one", () => {
    const settings = environmentSettings("prod", {});
    const short = { ...settings, notification: { ...settings.notification, maxSendRate: 2000 } } as typeof settings;
    expect(() => fanoutStack(short)).toThrow(
      "notification.objective cannot hold at the design peak: the SES rate 2000/s is below its 10000 confirmations/s",
    );
    // dev sends at the sandbox's 1/s and promises nothing: its e-mail pages when a day late.
    const dev = synthJson(fanoutStack(committedSettings("dev")));
    const age = Object.values(resourcesOf(dev, "aws_cloudwatch_metric_alarm")).find(
      (a) => a.alarm_name === "order-fanout-dev-notification-oldest-message-age",
    );
    expect(age.threshold).toBe(24 * 3600);
  });

  it("refuses prod's design in an account whose Lambda quota was not raised", () => {
    const settings = environmentSettings("prod", { ORDER_FANOUT_PROD_ACCOUNT_CONCURRENCY: "1000" });
    expect(() => fanoutStack(settings)).toThrow(
      "apiReservedConcurrency 1000 leaves 0 of the account's 1000 unreserved",
    );
  });

  it("refuses prod's warm tables in an account whose DynamoDB table quotas were not raised, naming the quota and the variable", () => {
    const unraised = environmentSettings("prod", { ORDER_FANOUT_PROD_TABLE_WRITE_QUOTA: "40000" });
    expect(() => fanoutStack(unraised)).toThrow(
      "the orders table's warm throughput (150000 writeUnitsPerSecond) is above the account's table-level quota (40000); " +
        "request the raise in Service Quotas (Amazon DynamoDB › Table-level write throughput limit) and set " +
        "ORDER_FANOUT_PROD_TABLE_WRITE_QUOTA, or ask for less",
    );
    const reads = environmentSettings("prod", { ORDER_FANOUT_PROD_TABLE_READ_QUOTA: "40000" });
    expect(() => fanoutStack(reads)).toThrow("the orders table's warm throughput (60000 readUnitsPerSecond)");
    expect(() =>
      fanoutStack(environmentSettings("prod", { ORDER_FANOUT_PROD_TABLE_WRITE_QUOTA: "150000" })),
    ).not.toThrow();
  });

  it("pages for e-mail late beyond the objective's 15 minutes, not 300 s, since a peak may back it up; and for any queue that stops draining", () => {
    const alarms = Object.values(resourcesOf(plan, "aws_cloudwatch_metric_alarm"));
    const age = (service: string) =>
      alarms.find((a) => a.alarm_name === `order-fanout-prod-${service}-oldest-message-age`).threshold;
    expect(age("notification")).toBe(15 * 60);
    expect(age("billing")).toBe(300);
    for (const service of CONSUMER_SERVICES) {
      const stuck = alarms.find((a) => a.alarm_name === `order-fanout-prod-${service}-not-draining`);
      expect(stuck.evaluation_periods).toBe(3);
      expect(stuck.metric_query.map((q: { id: string }) => q.id)).toEqual(["waiting", "deleted", "stuck"]);
      expect(stuck.metric_query[2].expression).toBe("IF(waiting > 0 AND FILL(deleted, 0) == 0, 1, 0)");
    }
  });
});
