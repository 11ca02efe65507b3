/**
 * `npm run smoke -- --url <api base> [--sku KB-01] [--iam] [--region eu-west-1]`: checks a
 * deployment (local or AWS) keeps the contract: refusals answer their 4xx, an order is accepted,
 * readable, and reaches inventory, billing and notification. With --iam (or after a 403) requests
 * are SigV4-signed with the usual AWS credential chain, for APIs with AWS_IAM authorization.
 */
import { parseArgs } from "node:util";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { OrdersClient, Signer } from "./orders-client";
import { UNFILTERED_SERVICES } from "../lambda-src/shared/services";

function sigV4(region: string): Signer {
  const signer = new SignatureV4({
    service: "execute-api",
    region,
    credentials: defaultProvider(),
    sha256: Hash.bind(null, "sha256"),
  });
  return async ({ method, url, headers, body }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body,
    });
    return signed.headers;
  };
}

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

async function smoke(client: OrdersClient, sku: string): Promise<Check[]> {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const key = `smoke-${Date.now().toString(36)}`;

  const missingKey = await client.request("POST", "orders", {
    customer: { id: "c", email: "a@example.com" },
    items: [{ sku, quantity: 1 }],
  });
  check(
    "missing Idempotency-Key is refused",
    missingKey.status === 400 && missingKey.body?.error === "MissingIdempotencyKey",
    `${missingKey.status}`,
  );
  const invalid = await client.place(`${key}-invalid`, [{ sku, quantity: 0 }]);
  check(
    "quantity 0 is refused naming the field",
    invalid.status === 400 && /items\[0\]\.quantity/.test(invalid.body?.message ?? ""),
    `${invalid.status} ${invalid.body?.message}`,
  );
  const unknown = await client.get("ord_000000000000000000000000");
  check("an unknown order is 404", unknown.status === 404, `${unknown.status}`);

  const placed = await client.place(key, [{ sku, quantity: 1 }]);
  check(
    "an order is accepted",
    placed.status === 202 && typeof placed.body?.orderId === "string",
    `${placed.status} ${JSON.stringify(placed.body)}`,
  );
  const orderId = placed.body?.orderId;
  if (placed.status !== 202 || !orderId) return checks;
  const again = await client.place(key, [{ sku, quantity: 1 }]);
  check("a retry with the same key answers the same order", again.body?.orderId === orderId, `${again.status}`);
  const order = await client.waitForFulfilment(orderId, UNFILTERED_SERVICES, 60_000);
  for (const service of UNFILTERED_SERVICES) {
    check(
      `${service} recorded an outcome`,
      Boolean(order?.fulfilment?.[service]),
      order?.fulfilment?.[service]?.status ?? "nothing within 60 s",
    );
  }
  return checks;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: "string" },
      sku: { type: "string", default: "KB-01" },
      iam: { type: "boolean", default: false },
      region: { type: "string", default: process.env.AWS_REGION ?? "eu-west-1" },
    },
  });
  if (!values.url) throw new Error("--url is required: the API's base URL, e.g. --url http://localhost:3000");
  let client = new OrdersClient(values.url, values.iam ? sigV4(values.region) : undefined);
  if (!values.iam && (await client.get("ord_000000000000000000000000")).status === 403) {
    console.log("the API answered 403: signing requests with SigV4 (AWS_IAM authorization)");
    client = new OrdersClient(values.url, sigV4(values.region));
  }
  const checks = await smoke(client, values.sku);
  for (const c of checks) console.log(`${c.ok ? "✓" : "✗"} ${c.name}${c.ok ? "" : `: ${c.detail}`}`);
  const failed = checks.filter((c) => !c.ok).length;
  console.log(`${checks.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`smoke failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
