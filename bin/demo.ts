/**
 * `npm run demo`: shows what the system promises, on the local runtime (started here unless one
 * is already serving on --api-port). Places a normal order, a high-value order, an out-of-stock
 * order, an order and then its cancellation, the same request three times, and an invalid request;
 * waits for the fan-out; prints each order's fulfilment per service; exits 1 if any differs.
 */
import { parseArgs } from "node:util";
import { OrdersClient } from "../ops/orders-client";
import { orderIdFor } from "../lambda-src/orders-api/orders";
import { startRuntime } from "../local/local-runtime";
import { DEFAULT_PORTS } from "../contract/local-endpoints";
import { CONSUMER_SERVICES, ConsumerService } from "../contract/services";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/**
 * The outcome each service must end with; a list where the system allows either, depending on
 * whether a service met the OrderPlaced before the order ended (e.g. billing credits the invoice it
 * wrote, or wrote none).
 */
type Expected = Partial<Record<ConsumerService, string | string[]>>;

const allows = (expected: string | string[] | undefined, got: string | undefined) =>
  got !== undefined && expected !== undefined && [expected].flat().includes(got);

interface Scenario {
  name: string;
  run(client: OrdersClient, key: string): Promise<{ orderId?: string; problems: string[] }>;
  expected: Expected;
}

const placedOrder =
  (items: { sku: string; quantity: number }[], then?: (client: OrdersClient, orderId: string) => Promise<string[]>) =>
  async (client: OrdersClient, key: string) => {
    const answer = await client.place(key, items);
    if (answer.status !== 202)
      return { problems: [`placing answered ${answer.status}: ${JSON.stringify(answer.body)}`] };
    const orderId = answer.body?.orderId;
    if (!orderId) return { problems: [`placing answered no orderId: ${JSON.stringify(answer.body)}`] };
    return { orderId, problems: then ? await then(client, orderId) : [] };
  };

const SCENARIOS: Scenario[] = [
  {
    name: "normal order",
    run: placedOrder([
      { sku: "KB-01", quantity: 1 },
      { sku: "MS-02", quantity: 2 },
    ]),
    expected: { inventory: "RESERVED", billing: "INVOICED", notification: "CONFIRMATION_SENT" },
  },
  {
    name: "high-value order",
    run: placedOrder([{ sku: "LT-05", quantity: 1 }]),
    expected: {
      inventory: "RESERVED",
      billing: "INVOICED",
      notification: "CONFIRMATION_SENT",
      review: "PENDING_REVIEW",
    },
  },
  {
    // Inventory rejects it (OrderRejected), and every service compensates: nothing reserved or
    // kept, any invoice credited, an apology instead of (or after) a confirmation.
    name: "out-of-stock order, rejected",
    run: placedOrder([{ sku: "GONE-0", quantity: 1 }]),
    expected: {
      inventory: "NOTHING_TO_RELEASE",
      billing: ["CREDITED", "NOTHING_TO_CREDIT"],
      notification: "REJECTION_SENT",
    },
  },
  {
    name: "order, then cancelled",
    run: placedOrder([{ sku: "CB-06", quantity: 3 }], async (client, orderId) => {
      const cancel = await client.cancel(orderId, "changed my mind");
      return cancel.status === 202 ? [] : [`cancel answered ${cancel.status}`];
    }),
    expected: {
      inventory: ["RELEASED", "NOTHING_TO_RELEASE"],
      billing: ["CREDITED", "NOTHING_TO_CREDIT"],
      notification: "CANCELLATION_SENT",
    },
  },
  {
    name: "same request sent 3 times",
    run: async (client, key) => {
      const answers = await Promise.all([1, 2, 3].map(() => client.place(key, [{ sku: "HD-03", quantity: 1 }])));
      const ids = new Set(answers.map((a) => a.body?.orderId));
      const problems = answers.filter((a) => a.status !== 202).map((a) => `a retry answered ${a.status}`);
      if (ids.size !== 1) problems.push(`3 sends made ${ids.size} orders`);
      return { orderId: answers[0].body?.orderId, problems };
    },
    expected: { inventory: "RESERVED", billing: "INVOICED", notification: "CONFIRMATION_SENT" },
  },
  {
    name: "invalid request (quantity 0)",
    run: async (client, key) => {
      const answer = await client.place(key, [{ sku: "KB-01", quantity: 0 }]);
      const problems = answer.status === 400 ? [] : [`expected 400, got ${answer.status}`];
      if ((await client.get(orderIdFor(key))).status !== 404) problems.push("the refused request stored an order");
      return { problems };
    },
    expected: {},
  },
];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { "api-port": { type: "string", default: String(DEFAULT_PORTS.api) } } });
  const apiPort = Number(values["api-port"]);
  const baseUrl = `http://localhost:${apiPort}`;
  const running = await fetch(`${baseUrl}/_local/status`).then(
    (r) => r.ok,
    () => false,
  );
  const runtime = running ? undefined : await startRuntime({ apiPort, print: () => undefined });
  console.log(
    running
      ? `using the runtime already serving ${baseUrl}`
      : `started the local runtime in ${(runtime!.startupMs / 1000).toFixed(1)} s`,
  );
  try {
    const client = new OrdersClient(baseUrl);
    const stamp = Date.now().toString(36);
    const results = await Promise.all(
      SCENARIOS.map(async (scenario, i) => {
        const { orderId, problems } = await scenario.run(client, `demo-${stamp}-${i}`);
        const wanted = CONSUMER_SERVICES.filter((s) => scenario.expected[s]);
        const order = orderId
          ? await client.waitForFulfilment(orderId, wanted, 30_000, (o) =>
              wanted.every((s) => allows(scenario.expected[s], o.fulfilment?.[s]?.status)),
            )
          : undefined;
        for (const service of CONSUMER_SERVICES) {
          const got = order?.fulfilment?.[service]?.status;
          const expected = scenario.expected[service];
          if (expected === undefined ? got !== undefined : !allows(expected, got))
            problems.push(
              `${service}: expected ${[expected ?? "nothing"].flat().join(" or ")}, got ${got ?? "nothing"}`,
            );
        }
        return { scenario, orderId, order, problems };
      }),
    );
    const rows = results.map(({ scenario, orderId, order, problems }) => [
      scenario.name,
      orderId ?? "(refused)",
      ...CONSUMER_SERVICES.map((s) => order?.fulfilment?.[s]?.status ?? "-"),
      problems.length === 0 ? "ok" : "WRONG",
    ]);
    const header = ["scenario", "order", ...CONSUMER_SERVICES, "verdict"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join("  ");
    console.log(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n${rows.map(line).join("\n")}\n`);
    const failures = results.flatMap((r) => r.problems.map((p) => `${r.scenario.name}: ${p}`));
    for (const failure of failures) console.error(`  ✗ ${failure}`);
    console.log(
      failures.length === 0 ? "every outcome is what the system promises" : `${failures.length} outcome(s) differ`,
    );
    return failures.length === 0 ? 0 : 1;
  } finally {
    await runtime?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`demo failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
