/** The CloudWatch dashboard of each AWS environment: what it shows, and that the local stack has none. */
import { EnvironmentName, metricsNamespace } from "../../stacks/environments";
import { BUSINESS_METRICS, PROCESSING_TIME_METRIC } from "../../contract/metrics";
import { CONSUMER_SERVICES, FUNCTION_BUNDLES } from "../../contract/services";
import { committedSettings, fanoutStack, Plan, resourcesOf, synthJson } from "../support/synth";

const plans = Object.fromEntries(
  (["dev", "staging", "prod", "local"] as const).map((name) => [name, synthJson(fanoutStack(committedSettings(name)))]),
) as Record<EnvironmentName, Plan>;

const dashboardsOf = (plan: Plan) => Object.values(resourcesOf(plan, "aws_cloudwatch_dashboard"));

/** The Terraform reference to the attribute of the resource of `type` whose `name` is `name`. */
function referenceTo(plan: Plan, type: string, name: string, attribute: string): string {
  const entry = Object.entries(resourcesOf(plan, type)).find(([, r]) => r.name === name);
  if (!entry) throw new Error(`no ${type} named ${name}`);
  return `${type}.${entry[0]}.${attribute}`;
}

describe.each(["dev", "staging", "prod"] as const)("the order-fanout-%s dashboard", (name) => {
  const plan = plans[name];
  const prefix = `order-fanout-${name}`;
  const [dashboard] = dashboardsOf(plan);
  const body: string = dashboard?.dashboard_body ?? "";

  it("is one dashboard named after the stack, its console address an output", () => {
    expect(dashboardsOf(plan)).toHaveLength(1);
    expect(dashboard.dashboard_name).toBe(prefix);
    expect(plan.output?.dashboard_url.value).toBe(
      `https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/\${aws_cloudwatch_dashboard.${Object.keys(resourcesOf(plan, "aws_cloudwatch_dashboard"))[0]}.dashboard_name}`,
    );
  });

  it("is a jsonencode expression, so names and ids stay references", () => {
    expect(body.startsWith("${jsonencode(")).toBe(true);
  });

  it("shows the API's requests, 5xx and p50/p99 latency", () => {
    const [apiId] = Object.keys(resourcesOf(plan, "aws_apigatewayv2_api"));
    expect(body).toContain(`"AWS/ApiGateway", "Count", "ApiId", aws_apigatewayv2_api.${apiId}.id`);
    expect(body).toContain(`"AWS/ApiGateway", "5xx", "ApiId", aws_apigatewayv2_api.${apiId}.id`);
    expect(body).toContain(`{"stat" = "p50", "label" = "p50"}`);
    expect(body).toContain(`"stat" = "p99"`);
  });

  it.each(CONSUMER_SERVICES)("shows the %s queue, its oldest message and its DLQ", (service) => {
    const queue = referenceTo(plan, "aws_sqs_queue", `${prefix}-${service}.fifo`, "name");
    const dlq = referenceTo(plan, "aws_sqs_queue", `${prefix}-${service}-dlq.fifo`, "name");
    expect(body).toContain(`"ApproximateNumberOfMessagesVisible", "QueueName", ${queue}`);
    expect(body).toContain(`"ApproximateAgeOfOldestMessage", "QueueName", ${queue}`);
    expect(body).toContain(`"ApproximateNumberOfMessagesVisible", "QueueName", ${dlq}`);
  });

  it.each(FUNCTION_BUNDLES)("shows the %s function's errors, throttles, p99 duration and concurrency", (bundle) => {
    for (const metric of ["Errors", "Throttles", "Duration", "ConcurrentExecutions"]) {
      expect(body).toContain(`"AWS/Lambda", "${metric}", "FunctionName", "${prefix}-${bundle}"`);
    }
  });

  it("shows the business counts and every service's processing time in the environment's namespace", () => {
    const namespace = metricsNamespace({ name });
    for (const [service, metrics] of Object.entries(BUSINESS_METRICS)) {
      for (const metric of metrics) expect(body).toContain(`"${namespace}", "${metric}", "service", "${service}"`);
    }
    for (const service of FUNCTION_BUNDLES) {
      expect(body).toContain(`"${namespace}", "${PROCESSING_TIME_METRIC}", "service", "${service}"`);
    }
  });
});

it("the local stack has no dashboard (it is never applied to AWS)", () => {
  expect(dashboardsOf(plans.local)).toHaveLength(0);
  expect(plans.local.output?.dashboard_url).toBeUndefined();
});

it.each(["dev", "local"] as const)("every function of %s has its service and the metrics namespace", (name) => {
  for (const fn of Object.values(resourcesOf(plans[name], "aws_lambda_function"))) {
    expect(fn.environment.variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: expect.any(String),
      POWERTOOLS_METRICS_NAMESPACE: `order-fanout/${name}`,
    });
  }
  expect(Object.keys(resourcesOf(plans[name], "aws_lambda_function"))).toHaveLength(FUNCTION_BUNDLES.length);
});
