/**
 * The stack and the handlers must agree: each bundle's entry module is loaded with exactly the
 * environment its synthesized function gets. A handler reading a variable the stack does not set
 * fails that load with the variable's name.
 */
import { committedSettings, fanoutStack, resourcesOf, synthJson } from "../support/synth";
import { FUNCTION_BUNDLES } from "../../contract/services";

async function loadWith(environment: Record<string, string>, handler: string): Promise<unknown> {
  const saved = process.env;
  // Only what Lambda adds, and the test harness's quiet (the SDK's Node 22 notice; Lambda runs 24).
  process.env = {
    AWS_REGION: "eu-west-1",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...environment,
  };
  try {
    let loaded: unknown;
    await jest.isolateModulesAsync(async () => {
      loaded = await import(`../../lambda-src/${handler}/index.ts`);
    });
    return loaded;
  } finally {
    process.env = saved;
  }
}

describe.each(["dev", "local"] as const)("order-fanout-%s functions", (name) => {
  const plan = synthJson(fanoutStack(committedSettings(name)));
  const functions = Object.values(resourcesOf(plan, "aws_lambda_function"));

  it.each(FUNCTION_BUNDLES)("%s loads with exactly the variables the stack sets", async (handler) => {
    const fn = functions.find((f) => f.function_name === `order-fanout-${name}-${handler}`);
    expect(fn).toBeDefined();
    const loaded = (await loadWith(fn.environment.variables, handler)) as { handler: unknown; ENVIRONMENT: string[] };
    expect(typeof loaded.handler).toBe("function");
    for (const variable of loaded.ENVIRONMENT) expect(Object.keys(fn.environment.variables)).toContain(variable);
  });
});

it.each(FUNCTION_BUNDLES)("%s refuses to start without its variables, naming them", async (handler) => {
  await expect(loadWith({}, handler)).rejects.toThrow(/missing environment variables?: ORDERS_TABLE/);
});

it("review refuses thresholds that are not whole cents for every currency, naming the problem", async () => {
  await expect(
    loadWith({ ORDERS_TABLE: "o", REVIEW_THRESHOLDS: '{"EUR":12.5,"USD":1,"GBP":1}' }, "review"),
  ).rejects.toThrow(/REVIEW_THRESHOLDS must give whole cents for each of EUR, USD, GBP: EUR: .*expected int/);
  await expect(loadWith({ ORDERS_TABLE: "o", REVIEW_THRESHOLDS: '{"EUR":100}' }, "review")).rejects.toThrow(
    /REVIEW_THRESHOLDS must give whole cents for each of EUR, USD, GBP: USD: /,
  );
  await expect(loadWith({ ORDERS_TABLE: "o", REVIEW_THRESHOLDS: "100000" }, "review")).rejects.toThrow(
    /REVIEW_THRESHOLDS must give whole cents/,
  );
});
