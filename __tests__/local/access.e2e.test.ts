/**
 * The local runtime authorizes every call as AWS would, end to end: for each kind of policy a copy
 * of the synthesized local plan loses the statement a call needs (or gains the deny that refuses
 * it), the runtime authorizes against that copy (PUT /_local/access), and the flow shows the denial
 * at the call that needs the grant, the reason in the function's log and on the console, and the
 * message kept: in its DLQ after its receives, or in the order's outbox. With the plan's own
 * policies back, every kept message gets through, and the file's accounting holds.
 */
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { call, placeOrder, status } from "../support/local-runtime";
import { FanoutWorld, SCENARIO_TIMEOUT_MS } from "../support/fanout-world";

/** The local stack's 5 s timeout; 2 receives, so a denied message is in its DLQ about 60 s in. */
const OVERRIDES = { functionTimeoutSeconds: 5, maxReceiveCount: 2 };
const PORTS = { api: 3800, aws: 5466, dynamodb: 8800 };

const w = new FanoutWorld("access", OVERRIDES, PORTS);

type Plan = { resource: Record<string, Record<string, Record<string, unknown>>> };
let original: string;

/** A copy of the runtime's own plan (or of `base`) with one policy of `type`, named by its prefix, rewritten. */
function planWith(
  type: string,
  namePrefix: string,
  rewrite: (policy: string) => string,
  base: Plan = JSON.parse(original) as Plan,
): Plan {
  const plan = structuredClone(base);
  const [name] = Object.keys(plan.resource[type]).filter((n) => n.startsWith(namePrefix));
  const before = String(plan.resource[type][name].policy);
  const after = rewrite(before);
  if (after === before) throw new Error(`the rewrite of ${type}.${name} changed nothing`);
  plan.resource[type][name].policy = after;
  return plan;
}

async function authorizeAgainst(plan: Plan | string): Promise<void> {
  const body = typeof plan === "string" ? JSON.parse(plan) : plan;
  const answer = await call(w.runtime, "PUT", "/_local/access", { body });
  expect(answer.status).toBe(200);
}

async function consoleAccess(): Promise<{ byRole: Record<string, { count: number; last: { message: string } }> }> {
  return (await call(w.runtime, "GET", "/_local/console/state")).body.access;
}

/** The function's ERROR record for the order whose error carries `text`. */
function failureLogged(service: string, orderId: string, text: string) {
  return w.logOf(service).find((r) => JSON.stringify(r).includes(orderId) && JSON.stringify(r).includes(text));
}

beforeAll(async () => {
  await w.start();
  original = fs.readFileSync(
    path.join(w.runtime.dataDir, "plan", "stacks", "order-fanout-local", "cdk.tf.json"),
    "utf8",
  );
}, 90_000);
afterAll(() => w.stop());

describe("a grant taken from each consumer: the denial at its call, the message in its DLQ", () => {
  let orderId: string;

  beforeAll(async () => {
    // Identity policy: inventory reads stock with BatchGetItem (the grant this project once lacked).
    const identity = planWith("aws_iam_role_policy", "inventory-consumer", (p) =>
      p.replace('"Action" = ["dynamodb:BatchGetItem", "dynamodb:UpdateItem"]', '"Action" = ["dynamodb:UpdateItem"]'),
    );
    // SES condition: the role may send only as another address.
    const ses = planWith(
      "aws_iam_role_policy",
      "notification-consumer",
      (p) => p.replace('"ses:FromAddress" = ["orders@localhost"]', '"ses:FromAddress" = ["alerts@localhost"]'),
      identity,
    );
    // Bucket policy: a deny on billing's invoices (the bucket policy grants nothing; it can refuse).
    const plan = planWith(
      "aws_s3_bucket_policy",
      "documents",
      (p) => {
        const bucketArn = /aws_s3_bucket\.documents_bucket_\w+\.arn/.exec(p)![0];
        return p.replace(
          '"Statement" = [',
          `"Statement" = [{"Sid" = "NoInvoicesForBilling", "Effect" = "Deny", "Principal" = {"AWS" = ["arn:aws:iam::000000000000:role/order-fanout-local-billing-role"]}, "Action" = ["s3:PutObject"], "Resource" = ["\${${bucketArn}}/invoices/*"]}, `,
        );
      },
      ses,
    );
    await authorizeAgainst(plan);
    for (const role of ["inventory", "billing", "notification"])
      w.deniedOnPurpose.add(`order-fanout-local-${role}-role`);

    await w.putProduct("E2E-IAM", 1_000, 10);
    orderId = (await placeOrder(w.runtime, w.key("grants", "order"), [{ sku: "E2E-IAM", quantity: 1 }])).body.orderId;
  }, SCENARIO_TIMEOUT_MS);

  /**
   * The consumer's denial of `action`, logged under `error` and shown on the console under its
   * role, and the order's message in its DLQ; answers the log record, as text.
   */
  async function deniedAndDeadLettered(service: string, error: string, action: string, expectedMs?: number) {
    const logged = await w.waitFor(`${service}'s denial logged`, () => failureLogged(service, orderId, error));
    expect((await consoleAccess()).byRole[`order-fanout-local-${service}-role`].last.message).toContain(action);
    await w.deadLetterOf(service, orderId, expectedMs);
    return JSON.stringify(logged);
  }

  it(
    "identity policy: inventory's BatchGetItem on products is denied, its OrderPlaced dead-lettered",
    async () => {
      // Denied at each of its maxReceiveCount receives, 6 × 5 s apart, then moved on the next.
      const logged = await deniedAndDeadLettered(
        "inventory",
        "AccessDeniedException",
        "dynamodb:BatchGetItem",
        2 * w.redeliveryMs,
      );
      expect(logged).toContain(
        "is not authorized to perform: dynamodb:BatchGetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/order-fanout-local-products because no identity-based policy allows the dynamodb:BatchGetItem action",
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    "bucket policy: billing's PutObject of the invoice is denied in S3's own words, its OrderPlaced dead-lettered",
    async () => {
      const logged = await deniedAndDeadLettered("billing", "AccessDenied", "s3:PutObject");
      expect(logged).toMatch(
        /s3:PutObject on \\"arn:aws:s3:::order-fanout-local-documents-000000000000\/invoices\/[^"]+\\" with an explicit deny in a resource-based policy/,
      );
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    "SES condition: notification's SendEmail from orders@localhost is denied, nothing sent, its OrderPlaced dead-lettered",
    async () => {
      const logged = await deniedAndDeadLettered("notification", "AccessDeniedException", "ses:SendEmail");
      expect(logged).toContain("ses:SendEmail");
      expect(await w.mails(orderId)).toEqual([]);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    "with the plan's own policies back, the redriven messages get through: nothing was lost",
    async () => {
      await authorizeAgainst(original);
      for (const service of ["inventory", "billing", "notification"]) await w.redriveByHand(service, orderId);
      const done = await w.waitFor("the order fulfilled by every service", () =>
        w.fulfilled([orderId], ["inventory", "billing", "notification"]),
      );
      expect(done[0].fulfilment.inventory.status).toBe("RESERVED");
      expect(await w.stock("E2E-IAM")).toBe(9);
      expect(await w.objectKeys(`invoices/${orderId}`)).toHaveLength(1);
      expect(await w.mails(orderId)).toHaveLength(1);
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("grants taken from the publishers: the order kept in its outbox", () => {
  it(
    "topic policy: the API's Publish is refused by the topic's explicit deny; the relay publishes instead",
    async () => {
      await authorizeAgainst(
        planWith("aws_sns_topic_policy", "order-events", (p) =>
          p.replaceAll(/aws_iam_role\.orders-api-handler_role_\w+\.arn, /g, ""),
        ),
      );
      w.deniedOnPurpose.add("order-fanout-local-orders-api-role");
      await w.putProduct("E2E-TOPIC", 1_000, 10);
      const answer = await placeOrder(w.runtime, w.key("topic", "order"), [{ sku: "E2E-TOPIC", quantity: 1 }]);
      expect(answer.status).toBe(202);
      const orderId: string = answer.body.orderId;
      const warning = await w.waitFor("the API's failed publish logged", () =>
        failureLogged("orders-api", orderId, "AuthorizationError"),
      );
      expect(JSON.stringify(warning)).toContain("SNS:Publish");
      expect(JSON.stringify(warning)).toContain("with an explicit deny in a resource-based policy");
      await w.waitFor("the order fanned out through the relay", () =>
        w.fulfilled([orderId], ["inventory", "billing", "notification"]),
      );
      await authorizeAgainst(original);
    },
    SCENARIO_TIMEOUT_MS,
  );

  it(
    "key policy: without the account's delegation no role may use the key; Publish fails with KMSAccessDenied and the order waits unpublished",
    async () => {
      await authorizeAgainst(
        planWith("aws_kms_key", "messaging-key", (p) =>
          p.replace(
            '"arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.account.account_id}:root"',
            '"arn:aws:iam::111111111111:root"',
          ),
        ),
      );
      // Every role uses the key: the publishers to publish, the consumers' mappings to receive.
      for (const role of ["orders-api", "outbox-relay", "inventory", "billing", "notification", "review"])
        w.deniedOnPurpose.add(`order-fanout-local-${role}-role`);
      await w.putProduct("E2E-KEY", 1_000, 10);
      const orderId: string = (await placeOrder(w.runtime, w.key("key", "order"), [{ sku: "E2E-KEY", quantity: 1 }]))
        .body.orderId;
      const warning = await w.waitFor("the API's failed publish logged", () =>
        failureLogged("orders-api", orderId, "KMSAccessDenied"),
      );
      expect(JSON.stringify(warning)).toContain(
        "kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:000000000000:key/messaging-key_48BA1416 because no resource-based policy allows",
      );
      await w.waitFor("the relay refused too", () => w.relayFailures(orderId) >= 1);
      expect((await w.order(orderId)).unpublished).toEqual(new Set(["OrderPlaced"]));
      expect(Object.keys((await status(w.runtime)).denials)).toContain("order-fanout-local-outbox-relay-role");
      await authorizeAgainst(original);
      await w.waitFor("the order fanned out once the key policy is back", () =>
        w.fulfilled([orderId], ["inventory", "billing", "notification"]),
      );
    },
    SCENARIO_TIMEOUT_MS,
  );
});

describe("a queue policy that would drop SNS's deliveries", () => {
  it("is refused before it is used, naming the subscription: AWS would drop every message silently", async () => {
    const plan = planWith("aws_sqs_queue_policy", "billing-queue_queue-policy", (p) =>
      p.replace('"Service" = ["sns.amazonaws.com"]', '"Service" = ["events.amazonaws.com"]'),
    );
    const answer = await call(w.runtime, "PUT", "/_local/access", { body: plan });
    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(
      /billing-queue_order-events-subscription_\w+: SNS could not deliver to queue order-fanout-local-billing\.fifo .* because no resource-based policy allows the sqs:SendMessage action/,
    );
  });
});

/** A raw request, so that the Host and Origin headers are what a browser page would send. */
function rawRequest(url: string, method: string, headers: Record<string, string>, body = "") {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const request = http.request(url, { method, headers }, (answer) => {
      let text = "";
      answer.on("data", (chunk) => (text += chunk));
      answer.on("end", () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: text }));
    });
    request.on("error", reject);
    request.end(body);
  });
}

describe("nobody in from a web page", () => {
  it("answers only requests addressed to localhost, and takes only JSON on a route that changes state", async () => {
    const foreign = await rawRequest(`${w.runtime.api}/_local/status`, "GET", { host: "rebound.example:3800" });
    expect(foreign.status).toBe(403);
    const form = await rawRequest(
      `${w.runtime.api}/_local/faults`,
      "POST",
      { "content-type": "text/plain" },
      JSON.stringify({ publish: "refuse" }),
    );
    expect(form.status).toBe(415);
    expect(JSON.parse(form.body).message).toMatch(/takes content-type application\/json/);
    expect((await call(w.runtime, "GET", "/_local/console/state")).body.faults).toEqual([]);
  });

  it("gives no web page CORS access to the tables", async () => {
    const preflight = await rawRequest(w.runtime.dynamodb, "OPTIONS", {
      origin: "https://evil.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,x-amz-target",
    });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

w.describeAccounting();
