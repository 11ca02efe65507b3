import { environmentSettings } from "../../stacks/environments";
import { PlanError, PlanIndex } from "../../local/plan/plan-index";
import type { TerraformPlan } from "../../local/plan/synth-plan";
import { synthesizedPlan } from "../../model/synthesized-plan";
import { topologyOf, topologyOfPlan } from "../../model/topology";

const settings = environmentSettings("dev", {});
const synthesized = synthesizedPlan("dev");
const copy = (): TerraformPlan => JSON.parse(JSON.stringify(synthesized));
const resources = (plan: TerraformPlan, type: string): Record<string, any> => plan.resource![type];
/** The local name of the one resource of `type` whose local name starts with `prefix`. */
const named = (plan: TerraformPlan, type: string, prefix: string) =>
  Object.keys(resources(plan, type)).find((name) => name.startsWith(prefix))!;
/** The local name of the queue the billing subscription delivers to. */
const billingQueue = (plan: TerraformPlan) => {
  const index = new PlanIndex(plan);
  const subscription = index.resource(
    "aws_sns_topic_subscription",
    named(plan, "aws_sns_topic_subscription", "billing"),
  );
  return index.referencedBy(subscription, "endpoint", "aws_sqs_queue").name;
};

describe("the topology read through the plan index", () => {
  it("reads the same topology as the environment's own", () => {
    expect(topologyOfPlan(copy(), settings)).toEqual(topologyOf("dev"));
  });

  it("finds the API's function and each consumer by their relations, whatever their names", () => {
    const plan = copy();
    const functions = resources(plan, "aws_lambda_function");
    functions[named(plan, "aws_lambda_function", "orders-api")].function_name = "checkout";
    functions[named(plan, "aws_lambda_function", "billing-consumer")].function_name = "invoicing";
    const topology = topologyOfPlan(plan, settings);
    expect(topology.api.functionName).toBe("checkout");
    expect(topology.consumers.find((c) => c.service === "billing")!.functionName).toBe("invoicing");
  });

  it("refuses a reference to a resource the plan does not declare, naming both", () => {
    const plan = copy();
    const queue = billingQueue(plan);
    delete resources(plan, "aws_sqs_queue")[queue];
    const subscription = named(plan, "aws_sns_topic_subscription", "billing-queue");
    expect(() => topologyOfPlan(plan, settings)).toThrow(
      new PlanError(
        `aws_sns_topic_subscription.${subscription}: endpoint refers to aws_sqs_queue.${queue}, which is not declared`,
      ),
    );
  });

  it("refuses a consumer queue without its mapping, naming the queue", () => {
    const plan = copy();
    delete resources(plan, "aws_lambda_event_source_mapping")[
      named(plan, "aws_lambda_event_source_mapping", "billing-consumer")
    ];
    const queue = billingQueue(plan);
    expect(() => topologyOfPlan(plan, settings)).toThrow(
      new PlanError(
        `aws_sqs_queue.${queue}: no aws_lambda_event_source_mapping refers to it by event_source_arn, expected one`,
      ),
    );
  });

  it("refuses an API whose route reaches no function, and a consumer service it does not know", () => {
    const noIntegration = copy();
    const integration = named(noIntegration, "aws_apigatewayv2_integration", "orders-api");
    delete resources(noIntegration, "aws_apigatewayv2_integration")[integration];
    expect(() => topologyOfPlan(noIntegration, settings)).toThrow(
      new RegExp(
        `^aws_apigatewayv2_route\\.\\S+: target refers to aws_apigatewayv2_integration\\.${integration}, which is not declared$`,
      ),
    );
    const unknown = copy();
    const review = named(unknown, "aws_lambda_function", "review-consumer");
    resources(unknown, "aws_lambda_function")[review].environment.variables.POWERTOOLS_SERVICE_NAME = "audit";
    expect(() => topologyOfPlan(unknown, settings)).toThrow(
      new PlanError(
        `aws_lambda_function.${review}: POWERTOOLS_SERVICE_NAME audit is not a consumer service (inventory, billing, notification, review)`,
      ),
    );
  });

  it("refuses a consumer mapping without a maximum concurrency, naming the mapping", () => {
    const plan = copy();
    const mapping = named(plan, "aws_lambda_event_source_mapping", "inventory-consumer");
    delete resources(plan, "aws_lambda_event_source_mapping")[mapping].scaling_config;
    expect(() => topologyOfPlan(plan, settings)).toThrow(
      new PlanError(
        `aws_lambda_event_source_mapping.${mapping}: no scaling_config, so no maximum concurrency to model`,
      ),
    );
  });
});
