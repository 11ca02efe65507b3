import { Testing, TerraformStack } from "cdktf";
import { OnDemandTable } from "../../stacks/constructs/on-demand-table";
import { BundledFunction } from "../../stacks/constructs/bundled-function";
import { fakeBundleRoot, resourcesOf, synthJson } from "../support/synth";

function scene() {
  const stack = new TerraformStack(Testing.app(), "grants");
  const table = new OnDemandTable(stack, "orders", { name: "orders", partitionKey: "orderId", protect: false });
  const fn = new BundledFunction(stack, "fn", {
    functionName: "fn",
    bundle: "billing",
    bundleRoot: fakeBundleRoot(),
    memoryMb: 128,
    timeoutSeconds: 3,
    logRetentionDays: 1,
    environment: {},
  });
  return { stack, table, fn };
}

/** Each statement's Sid and actions, in order, from the role policy's `jsonencode({...})` expression. */
function roleStatements(stack: TerraformStack): [string | undefined, string[]][] {
  const [policy] = Object.values(resourcesOf(synthJson(stack), "aws_iam_role_policy"));
  return [
    ...(policy.policy as string).matchAll(/\{(?:"Sid" = "([^"]+)", )?"Effect" = "Allow", "Action" = \[([^\]]*)\]/g),
  ].map((m) => [m[1], JSON.parse(`[${m[2]}]`) as string[]]);
}

describe("resources grant a function what it asks for", () => {
  it("adds each grant to the role policy after the function's own statements, in the order granted", () => {
    const { stack, table, fn } = scene();
    table.grant(fn, ["dynamodb:GetItem"], { sid: "Reads" });
    table.grantUpdate(fn, { attributes: ["orderId", "status"] });
    expect(roleStatements(stack)).toEqual([
      ["OwnLogGroup", ["logs:CreateLogStream", "logs:PutLogEvents"]],
      ["Tracing", ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]],
      ["Reads", ["dynamodb:GetItem"]],
      ["UpdatesOnlyItsAttributes", ["dynamodb:UpdateItem"]],
    ]);
  });

  it("refuses a query grant on an index the table does not have", () => {
    const { table, fn } = scene();
    expect(() => table.grantIndexQuery(fn, "outbox-pending")).toThrow(
      'OnDemandTable "orders" has no index "outbox-pending"',
    );
  });

  it("refuses a stream grant on a table without a stream", () => {
    const { table, fn } = scene();
    expect(() => table.grantStreamRead(fn)).toThrow('OnDemandTable "orders" has no stream');
  });
});
