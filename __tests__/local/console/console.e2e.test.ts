/**
 * The local console (`/_local/console`) in a real browser: Debian's Chromium driven by
 * puppeteer-core, against a real runtime (emulators, bundles, pollers) on ports of its own. The page
 * shows an order's path through every service, a poisoned message in billing's DLQ with its reason,
 * and the redrive its button starts; faults are switched on and off with the page's own controls;
 * an order's e-mail in the local SES's mailbox, and a call the plan's policies deny, with AWS's reason.
 *
 * CONSOLE_SCREENSHOT=<file.png> also places a few more orders and saves a screenshot of the page.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import puppeteer, { Browser, Page } from "puppeteer-core";
import { UNFILTERED_SERVICES } from "../../../contract/services";
import { call, placeOrder, RunningRuntime, startLocalRuntime } from "../../support/local-runtime";

/** The little of the DOM the page probes use: they run in the browser, this project compiles for Node. */
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  hidden?: boolean;
}
declare const document: {
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement> & { length: number };
};

const PORTS = { api: 3400, aws: 4966, dynamodb: 8400 };
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/**
 * The local stack's own 5 s function timeout, the margin a loaded machine needs (see
 * failures.e2e.test.ts); visibility timeouts follow at 6×: a message failed once is dead-lettered
 * about 30 s later.
 */
const OVERRIDES = { functionTimeoutSeconds: 5, maxReceiveCount: 1 };
const ITEMS = [{ sku: "KB-01", quantity: 1 }];

let runtime: RunningRuntime | undefined;
let browser: Browser | undefined;
let page: Page;

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install it with \`apt-get install chromium\` (or set CHROMIUM_PATH)`,
    );
  [runtime, browser] = await Promise.all([
    startLocalRuntime(OVERRIDES, PORTS),
    puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
    }),
  ]);
  page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/** Waits until `probe`, run in the page with `arg`, answers true. */
async function pageShows(what: string, probe: (arg: string) => boolean, arg: string, timeout = 20_000) {
  try {
    await page.waitForFunction(probe, { timeout, polling: 200 }, arg);
  } catch (error) {
    throw new Error(`the console did not show ${what} within ${timeout} ms: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

async function order(key: string, items = ITEMS): Promise<string> {
  const answer = await placeOrder(runtime!, key, items);
  if (answer.status !== 201 && answer.status !== 202)
    throw new Error(`order refused: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.orderId as string;
}

/** In the page: the order's row has an outcome for every service but those the filter kept out (—). */
const pathShown = (orderId: string) => {
  const cells = [...document.querySelectorAll(`tr[data-order-id="${orderId}"] td[data-service]`)];
  return cells.length > 0 && cells.every((c) => c.getAttribute("data-outcome") !== "" || c.textContent === "—");
};

test("shows an order's path, a dead letter with its reason, and redrives it from the page", async () => {
  await page.goto(`${runtime!.api}/_local/console`);
  await pageShows("the topology", () => document.querySelectorAll('[data-node="queue"]').length === 4, "");

  const first = await order(`console-${Date.now()}-1`);
  await pageShows(`order ${first} with every unfiltered service's outcome`, pathShown, first);
  for (const service of UNFILTERED_SERVICES) {
    const outcome = await page.$eval(
      `tr[data-order-id="${first}"] td[data-service="${service}"]`,
      (cell) => cell.getAttribute("data-outcome") ?? "",
    );
    expect({ service, outcome }).toEqual({ service, outcome: expect.stringMatching(/\S/) });
  }

  // The confirmation in the local SES's mailbox, found by the order's id.
  expect(await page.$eval("#denials-empty", (e) => (e as unknown as PageElement).hidden)).toBe(false);
  await page.type("#mailbox-order", first);
  await pageShows(
    `order ${first}'s confirmation, and only its e-mails, in the mailbox`,
    (id) => {
      const rows = [...document.querySelectorAll("#mailbox tr")];
      return rows.length === 1 && (rows[0].textContent ?? "").includes(`Order ${id} confirmed`);
    },
    first,
  );

  // Poison billing with the page's fault switch: every OrderPlaced it receives fails.
  await page.select("#fault-service", "billing");
  await page.type('#message-fault input[name="eventType"]', "OrderPlaced");
  await page.click('#message-fault button[type="submit"]');
  await pageShows("the billing fault", () => document.querySelectorAll("[data-fault]").length === 1, "");

  const second = await order(`console-${Date.now()}-2`);
  await pageShows(
    `order ${second} in billing's DLQ with a reason`,
    (id) => {
      const reason = document.querySelector(`[data-dlq="billing"] [data-order-id="${id}"] [data-reason]`);
      return !!reason && /injected fault/i.test(reason.getAttribute("data-reason") ?? "");
    },
    second,
    60_000,
  );
  expect(await page.$eval(`tr[data-order-id="${second}"] td[data-service="billing"]`, (c) => c.textContent)).toMatch(
    /in DLQ/,
  );

  await page.click("[data-remove-fault]");
  await pageShows("no active fault", () => document.querySelectorAll("[data-fault]").length === 0, "");
  await page.click('[data-redrive="billing"]');
  await pageShows(
    "billing's DLQ empty and the order's billing outcome",
    (id) =>
      document.querySelector('[data-dlq="billing"]')?.getAttribute("data-depth") === "0" &&
      (document.querySelector(`tr[data-order-id="${id}"] td[data-service="billing"]`)?.getAttribute("data-outcome") ??
        "") !== "",
    second,
    20_000,
  );
  expect(await page.$eval('[data-dlq="billing"] [data-redrive-status]', (e) => e.textContent)).toMatch(/COMPLETED/);

  const screenshot = process.env.CONSOLE_SCREENSHOT;
  if (screenshot) {
    const more = [
      await order(`console-${Date.now()}-3`, [{ sku: "LT-05", quantity: 1 }]),
      await order(`console-${Date.now()}-4`, [{ sku: "MS-02", quantity: 2 }]),
    ];
    for (const id of more) await pageShows(`order ${id}`, pathShown, id);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // one more refresh: the latest counts
    await page.screenshot({ path: screenshot, fullPage: true });
  }
}, 120_000);

test("shows a call the plan's policies deny, per role, with AWS's reason", async () => {
  // A copy of the runtime's own plan without inventory's BatchGetItem on products.
  const plan = JSON.parse(
    fs.readFileSync(path.join(runtime!.dataDir, "plan", "stacks", "order-fanout-local", "cdk.tf.json"), "utf8"),
  );
  const policies = plan.resource.aws_iam_role_policy;
  const name = Object.keys(policies).find((n) => n.startsWith("inventory-consumer"))!;
  policies[name].policy = String(policies[name].policy).replace('"dynamodb:BatchGetItem", ', "");
  expect((await call(runtime!, "PUT", "/_local/access", { body: plan })).status).toBe(200);

  await order(`console-${Date.now()}-denied`);
  await pageShows(
    "inventory's denial with its reason",
    () =>
      /not authorized to perform: dynamodb:BatchGetItem on resource: \S+table\/order-fanout-local-products because no identity-based policy allows/.test(
        document.querySelector('[data-role="order-fanout-local-inventory-role"]')?.textContent ?? "",
      ),
    "",
    30_000,
  );
}, 60_000);
