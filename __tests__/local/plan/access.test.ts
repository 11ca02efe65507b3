import { loadPlan } from "../../../local/plan/plan";
import type { TerraformPlan } from "../../../local/plan/synth-plan";
import { LOCAL_TEST_ACCOUNT, localPlanForTests } from "../../support/synth";

const synthesized = localPlanForTests("access-test");
const copy = (): TerraformPlan => JSON.parse(JSON.stringify(synthesized));

describe("the roles and policies of the local plan", () => {
  const { access, functions, ses } = loadPlan(copy(), LOCAL_TEST_ACCOUNT);

  it("reads every role with its statements, and each function's role", () => {
    expect([...access.roles.values()].map((r) => r.name).sort()).toEqual(
      ["billing", "inventory", "notification", "orders-api", "outbox-relay", "outbox-sweep", "review"].map(
        (f) => `order-fanout-local-${f}-role`,
      ),
    );
    for (const fn of functions) expect(access.roles.has(fn.roleArn)).toBe(true);
    const inventory = access.roles.get("arn:aws:iam::000000000000:role/order-fanout-local-inventory-role")!;
    expect(inventory.statements.flatMap((s) => s.actions)).toContain("dynamodb:BatchGetItem");
  });

  it("reads the policy of every queue, topic, bucket and key, the key's as a key policy", () => {
    const kinds = [...access.resourcePolicies].map(([arn, p]) => `${arn.split(":")[2]} ${p.kind}`);
    expect(kinds.filter((k) => k === "sqs resource")).toHaveLength(9);
    expect(kinds.filter((k) => k === "sns resource")).toHaveLength(2);
    expect(kinds).toContain("s3 resource");
    expect(kinds).toContain("kms key");
  });

  it("reads the SES identity and configuration set the local SES accepts", () => {
    expect(ses).toEqual({ identities: ["orders@localhost"], configurationSets: ["order-fanout-local"] });
  });

  it("refuses a policy element it cannot decide, with the address", () => {
    const plan = copy();
    const policies = plan.resource!.aws_iam_role_policy;
    const name = Object.keys(policies).find((n) => n.startsWith("review-consumer"))!;
    policies[name].policy = String(policies[name].policy).replace(
      '"Effect" = "Allow", "Action"',
      '"Effect" = "Allow", "NotAction"',
    );
    expect(() => loadPlan(plan, LOCAL_TEST_ACCOUNT)).toThrow(
      new RegExp(`aws_iam_role_policy\\.${name} statement \\w+: element NotAction is not supported locally`),
    );
  });

  it("refuses a role argument it does not read, such as a managed policy attachment", () => {
    const plan = copy();
    const [name] = Object.keys(plan.resource!.aws_iam_role);
    plan.resource!.aws_iam_role[name].managed_policy_arns = ["arn:aws:iam::aws:policy/AdministratorAccess"];
    expect(() => loadPlan(plan, LOCAL_TEST_ACCOUNT)).toThrow(
      `aws_iam_role.${name}: argument managed_policy_arns is not supported locally`,
    );
  });
});
