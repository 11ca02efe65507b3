import { loadPlan } from "../../../local/plan/plan";
import type { TerraformPlan } from "../../../local/plan/synth-plan";
import { LOCAL_TEST_ACCOUNT, localPlanForTests } from "../../support/synth";
import { Authorizer, functionCredentials } from "../../../local/authz/authorizer";
import { RequestMapper } from "../../../local/authz/requests";

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

describe("what each role of the local plan may write to an order", () => {
  const model = loadPlan(copy(), LOCAL_TEST_ACCOUNT);
  const authorizer = new Authorizer(model.access, LOCAL_TEST_ACCOUNT.accountId);
  const mapper = new RequestMapper({
    region: LOCAL_TEST_ACCOUNT.region,
    accountId: LOCAL_TEST_ACCOUNT.accountId,
    keys: new Map(),
    sesIdentities: [],
    subscribers: new Map(),
  });
  const roleOf = (suffix: string) => model.functions.find((f) => f.name.endsWith(`-${suffix}`))!.roleArn;
  const update = (updateExpression: string, names: Record<string, string> = {}) =>
    mapper.dynamodb("UpdateItem", {
      TableName: "order-fanout-local-orders",
      Key: { orderId: { S: "ord_1" } },
      UpdateExpression: updateExpression,
      ConditionExpression: "attribute_exists(orderId)",
      ExpressionAttributeNames: names,
    })!;
  const denied = (role: string, checks: ReturnType<typeof update>) =>
    authorizer.check(authorizer.callerOf(functionCredentials(roleOf(role)).accessKeyId)!, checks)?.message;
  const forgedCancel = () =>
    update("SET outbox.#type = :entry, #status = :cancelled ADD unpublished :types", {
      "#type": "OrderCancelled",
      "#status": "status",
    });

  it.each(["billing", "notification", "review"])("%s records its outcome and nothing else", (service) => {
    expect(denied(service, update("SET fulfilment.#service = :outcome", { "#service": service }))).toBeUndefined();
    expect(denied(service, forgedCancel())).toMatch(
      /is not authorized to perform: dynamodb:UpdateItem on resource: .*-orders because no identity-based policy allows/,
    );
    expect(denied(service, update("SET customer = :someone"))).toBeDefined();
  });

  it("inventory records its reservation and its OrderRejected, but not the order's customer or total", () => {
    expect(
      denied("inventory", update("SET reservation = :r, #status = :rejected", { "#status": "status" })),
    ).toBeUndefined();
    expect(denied("inventory", update("SET customer = :someone, totalCents = :zero"))).toBeDefined();
  });

  it("the relay and the sweep only mark events published", () => {
    for (const publisher of ["outbox-relay", "outbox-sweep"]) {
      const mark = update(
        "SET outbox.#type.publishedAt = :at DELETE unpublished :types REMOVE outboxShard, outboxSince",
        {
          "#type": "OrderPlaced",
        },
      );
      expect(denied(publisher, mark)).toBeUndefined();
      expect(denied(publisher, update("SET #status = :cancelled", { "#status": "status" }))).toBeDefined();
    }
  });
});
