/**
 * `npm run catalogue` end to end: the real CLI as a child process, against the real local runtime
 * (emulators, bundles, pollers), no mocks. One runtime for the file, on ports of its own so that it
 * runs beside fanout.e2e.test.ts. The tests run one after the other and follow one catalogue
 * through its life, so that at most one CLI process runs at a time: run beside the fan-out suite's
 * burst of orders, more at once took enough of two cores for its functions to time out.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Product } from "../../lambda-src/shared/product";
import { call, placeOrder, RunningRuntime, startLocalRuntime, storedItem, waitFor } from "../support/local-runtime";

const ROOT = path.resolve(__dirname, "../..");
const PORTS = { api: 3200, aws: 4766, dynamodb: 8200 };
const PRODUCTS = "order-fanout-local-products";
const HEADER = "sku,name,unitPriceCents,currency,stock";

let runtime: RunningRuntime;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "catalogue-e2e-"));
  // The local stack's own settings: this suite retries nothing.
  runtime = await startLocalRuntime({ functionTimeoutSeconds: 5, maxReceiveCount: 3 }, PORTS);
}, 90_000);

afterAll(async () => {
  await runtime?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

/** The CLI as an operator runs it, pointed at this suite's runtime. */
function catalogue(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "ops/catalogue.ts", ...args],
      { cwd: ROOT, env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamodb } },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function file(name: string, content: string | Product[]): string {
  const where = path.join(dir, name);
  fs.writeFileSync(where, typeof content === "string" ? content : JSON.stringify(content));
  return where;
}

const product = (sku: string, stock = 10): Product => ({
  sku,
  name: `Catalogue test ${sku}`,
  unitPriceCents: 1_500,
  currency: "EUR",
  stock,
});
const stored = (sku: string) => storedItem(runtime, PRODUCTS, { sku });

async function orderReserved(orderId: string) {
  const answer = await call(runtime, "GET", `/orders/${orderId}`);
  return answer.body?.fulfilment?.inventory?.status === "RESERVED" && answer.body;
}

it("refuses a file with one bad row among good ones, naming row and field, and writes nothing", async () => {
  const rows = [HEADER, "CAT-A-1,Good,100,EUR,1", "CAT-A-2,Bad,12.5,EUR,1", "CAT-A-3,Good,100,EUR,1"];
  const run = await catalogue("import", file("bad.csv", rows.join("\n")), "--env", "local");
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('row 2 (line 3): unitPriceCents: expected an integer ≥ 0, got "12.5"');
  expect(run.stderr).toContain("nothing was written");
  expect(await Promise.all(["CAT-A-1", "CAT-A-2", "CAT-A-3"].map(stored))).toEqual([undefined, undefined, undefined]);
});

describe("one catalogue, imported, ordered from, imported again, exported", () => {
  const products = [product("CAT-B-1"), product("CAT-B-2"), product("CAT-B-3")];
  let json: string;

  it("creates new SKUs, which can be ordered at once", async () => {
    json = file("new.json", products);
    const run = await catalogue("import", json, "--env", "local");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("created 3, updated 0, unchanged 0");
    expect(await Promise.all(products.map((p) => stored(p.sku)))).toEqual(products);

    const placed = await placeOrder(runtime, `catalogue-${process.pid}`, [{ sku: "CAT-B-1", quantity: 3 }]);
    expect(placed.status).toBe(202);
    expect(placed.body.totalCents).toBe(4_500);
    await waitFor("inventory to reserve the imported SKU", () => orderReserved(placed.body.orderId), 20_000);
    expect((await stored("CAT-B-1")).stock).toBe(7);
  });

  it("the same file again is unchanged and changes nothing: the stock reserved since is kept", async () => {
    const before = await Promise.all(products.map((p) => stored(p.sku)));
    const run = await catalogue("import", json, "--env", "local");
    expect(run.stdout).toContain("created 0, updated 0, unchanged 3");
    expect(await Promise.all(products.map((p) => stored(p.sku)))).toEqual(before);
    expect(before[0].stock).toBe(7);
  });

  it("--set-stock sets the file's stock where it differs", async () => {
    const run = await catalogue("import", json, "--env", "local", "--set-stock");
    expect(run.stdout).toContain("created 0, updated 1, unchanged 2");
    expect(await Promise.all(products.map((p) => stored(p.sku)))).toEqual(products);
  });

  it("an export, imported, is unchanged", async () => {
    const out = path.join(dir, "export.json");
    const exported = await catalogue("export", "--env", "local", "--out", out);
    expect(exported.status).toBe(0);
    const skus = (JSON.parse(fs.readFileSync(out, "utf8")) as Product[]).map((p) => p.sku);
    expect(skus).toEqual(expect.arrayContaining(["KB-01", "LAST-1", "GONE-0", "CAT-B-1"]));
    expect(skus).toEqual([...skus].sort());

    const run = await catalogue("import", out, "--env", "local");
    expect(run.stdout).toContain(`created 0, updated 0, unchanged ${skus.length}`);
  });
});
