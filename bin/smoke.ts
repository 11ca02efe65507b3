/**
 * `npm run smoke -- --env <local|dev|staging|prod> [--sku <sku>] [--email <address>]`, or
 * `npm run smoke -- --url <api base> [--sku SMOKE-01] [--iam] [--region eu-west-1]`: checks a
 * deployment (local or AWS) keeps the contract: refusals answer their 4xx, an order is accepted,
 * readable, and reaches inventory, billing and notification; then it is cancelled, and each of them
 * compensates (stock given back, the charge credited, the cancellation e-mailed), so a smoke test
 * leaves no live order behind.
 *
 * With --env the API is found by the name the stack gives it (API Gateway's GetApis in the
 * environment's region), requests are SigV4-signed with the usual AWS credential chain (the caller
 * needs the stack's place, read and cancel policies), and it orders a product the catalogue marks
 * for smoke tests (`"smokeTest": true`): the first in stock, or --sku if that one is marked; never a
 * real product. The customer is SES's mailbox simulator, which accepts mail even in the SES
 * sandbox. With --url (no table to look in) it orders --sku, default SMOKE-01 (the local
 * catalogue's smoke product); --iam (or a 403) turns signing on.
 */
import { parseArgs } from "node:util";
import { ApiGatewayV2Client, GetApisCommand } from "@aws-sdk/client-apigatewayv2";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { OrdersClient, Signer } from "../ops/orders-client";
import { ConsumerService, UNFILTERED_SERVICES } from "../contract/services";
import { SHARD_OF, shardsOf } from "../contract/product";
import { documentClientFor, OpsTarget, resolveTarget } from "../ops/target";
import { DEFAULT_PORTS } from "../contract/local-endpoints";

// The SDK warns per client on Node 20 (past end of life); Lambda runs Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** SES's mailbox simulator: accepted and reported delivered, also from an account in the sandbox. */
const SIMULATOR_RECIPIENT = "success@simulator.amazonses.com";

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

async function smoke(client: OrdersClient, sku: string, email: string): Promise<Check[]> {
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
  const invalid = await client.place(`${key}-invalid`, [{ sku, quantity: 0 }], email);
  check(
    "quantity 0 is refused naming the field",
    invalid.status === 400 && /items\[0\]\.quantity/.test(invalid.body?.message ?? ""),
    `${invalid.status} ${invalid.body?.message}`,
  );
  const unknown = await client.get("ord_000000000000000000000000");
  check("an unknown order is 404", unknown.status === 404, `${unknown.status}`);

  const placed = await client.place(key, [{ sku, quantity: 1 }], email);
  check(
    "an order is accepted",
    placed.status === 202 && typeof placed.body?.orderId === "string",
    `${placed.status} ${JSON.stringify(placed.body)}`,
  );
  const orderId = placed.body?.orderId;
  if (placed.status !== 202 || !orderId) return checks;
  const again = await client.place(key, [{ sku, quantity: 1 }], email);
  check("a retry with the same key answers the same order", again.body?.orderId === orderId, `${again.status}`);
  const order = await client.waitForFulfilment(orderId, UNFILTERED_SERVICES, 60_000);
  for (const service of UNFILTERED_SERVICES) {
    check(
      `${service} recorded an outcome`,
      Boolean(order?.fulfilment?.[service]),
      order?.fulfilment?.[service]?.status ?? "nothing within 60 s",
    );
  }
  checks.push(...(await cancelAndCheck(client, orderId)));
  return checks;
}

/** What each service records for an order's cancellation: its compensation done. */
const COMPENSATED: Partial<Record<ConsumerService, string[]>> = {
  inventory: ["RELEASED", "NOTHING_TO_RELEASE"],
  billing: ["CREDITED", "NOTHING_TO_CREDIT"],
  notification: ["CANCELLATION_SENT"],
};

/** Cancels the smoke order and checks that every service compensated for it. */
async function cancelAndCheck(client: OrdersClient, orderId: string): Promise<Check[]> {
  const cancel = await client.cancel(orderId, "smoke test");
  const checks: Check[] = [
    { name: "the smoke order is cancelled", ok: cancel.status === 202, detail: `${cancel.status}` },
  ];
  if (cancel.status !== 202) return checks;
  const cancelled = `${orderId}:OrderCancelled`;
  const order = await client.waitForFulfilment(orderId, UNFILTERED_SERVICES, 60_000, (o) =>
    UNFILTERED_SERVICES.every((s) => o.fulfilment?.[s]?.eventId === cancelled),
  );
  for (const service of UNFILTERED_SERVICES) {
    const outcome = order?.fulfilment?.[service];
    checks.push({
      name: `${service} compensated the cancellation`,
      ok: outcome?.eventId === cancelled && (COMPENSATED[service] ?? []).includes(outcome.status),
      detail: outcome?.eventId === cancelled ? outcome.status : "nothing within 60 s",
    });
  }
  return checks;
}

/** The base URL of the environment's API: GetApis by the name the stack gives it (`<prefix>-orders`). */
async function apiUrlOf(target: OpsTarget): Promise<string> {
  const name = `${target.settings.namePrefix}-orders`;
  const client = new ApiGatewayV2Client({ region: target.region });
  let NextToken: string | undefined;
  do {
    const page = await client.send(new GetApisCommand({ NextToken }));
    const api = page.Items?.find((item) => item.Name === name);
    if (api?.ApiEndpoint) return api.ApiEndpoint;
    NextToken = page.NextToken;
  } while (NextToken);
  throw new Error(`no API named ${name} in ${target.description}: deploy order-fanout-${target.settings.name} first`);
}

/** The smoke-test product to order: `wanted` if it is one, else the first marked with stock. */
async function smokeTestSku(target: OpsTarget, wanted?: string): Promise<string> {
  const ddb = documentClientFor(target);
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new ScanCommand({ TableName: target.tables.products, ExclusiveStartKey }));
    // A shard item (contract/product.ts) is not a product: its key is no SKU.
    const products = (page.Items ?? []).filter((item) => item[SHARD_OF] === undefined);
    if (wanted !== undefined) {
      const named = products.find((item) => item.sku === wanted);
      if (named && named.smokeTest !== true)
        throw new Error(
          `${wanted} is a real product, not marked for smoke tests ("smokeTest": true): order one that is`,
        );
      if (named) return wanted;
    } else {
      // A sharded product keeps its stock on its shards: its item holds none to look at.
      const product = products.find(
        (item) => item.smokeTest === true && (Number(item.stock) >= 1 || shardsOf(item) > 1),
      );
      if (product) {
        console.log(`ordering ${String(product.sku)} (${String(product.name)}, ${Number(product.stock)} in stock)`);
        return String(product.sku);
      }
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  throw new Error(
    `${wanted === undefined ? "no product marked for smoke tests with stock" : `no product ${wanted}`} in ` +
      `${target.tables.products} (${target.description}): add one with "smokeTest": true to the catalogue, e.g. ` +
      `{"sku": "SMOKE-01", "name": "Smoke test item", "unitPriceCents": 100, "currency": "EUR", "stock": 1000, "smokeTest": true}`,
  );
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      env: { type: "string" },
      url: { type: "string" },
      sku: { type: "string" },
      email: { type: "string" },
      iam: { type: "boolean", default: false },
      region: { type: "string" },
    },
  });
  if (values.env !== undefined && values.url !== undefined) throw new Error("give --env or --url, not both");
  let client: OrdersClient;
  let sku = values.sku;
  let email = values.email ?? "ada@example.com";
  if (values.env !== undefined) {
    const target = resolveTarget(values.env);
    if (target.settings.name === "local") {
      client = new OrdersClient(`http://localhost:${DEFAULT_PORTS.api}`);
    } else {
      client = new OrdersClient(await apiUrlOf(target), sigV4(target.region));
      email = values.email ?? SIMULATOR_RECIPIENT;
    }
    console.log(`smoke test of ${target.description}: ${client.baseUrl}`);
    sku = await smokeTestSku(target, sku);
  } else {
    if (!values.url) throw new Error("--env or --url is required, e.g. --env dev or --url http://localhost:3000");
    const region = values.region ?? process.env.AWS_REGION ?? "eu-west-1";
    client = new OrdersClient(values.url, values.iam ? sigV4(region) : undefined);
    if (!values.iam && (await client.get("ord_000000000000000000000000")).status === 403) {
      console.log("the API answered 403: signing requests with SigV4 (AWS_IAM authorization)");
      client = new OrdersClient(values.url, sigV4(region));
    }
  }
  const checks = await smoke(client, sku ?? "SMOKE-01", email);
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
