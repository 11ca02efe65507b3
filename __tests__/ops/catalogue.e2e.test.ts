/**
 * `npm run catalogue` end to end: the real CLI as a child process, against the real local runtime
 * (emulators, bundles, pollers), no mocks. One runtime for the file, on ports of its own so that it
 * runs beside fanout.e2e.test.ts. The tests run one after the other and follow one catalogue
 * through its life, so that at most one CLI process runs at a time: run beside the fan-out suite's
 * burst of orders, more at once took enough of two cores for its functions to time out.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Product } from "../../contract/product";
import {
  call,
  CommandRun,
  placeOrder,
  runCommandLine,
  RunningRuntime,
  startLocalRuntime,
  storedItem,
  waitFor,
} from "../support/local-runtime";

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

/** The CLI as an operator runs it, pointed at this suite's runtime. */
function catalogue(...args: string[]): Promise<CommandRun> {
  return runCommandLine(runtime, "bin/catalogue.ts", ...args);
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

describe("a sharded SKU: its stock over shards, ordered from, exported once, reshaped only with --set-stock", () => {
  const header = `${HEADER},stockShards`;
  const shardStocks = async (sku: string, shards: number) =>
    Promise.all(Array.from({ length: shards }, async (_, i) => (await stored(`${sku}#${i}`))?.stock));

  it("refuses stockShards that is not a whole number from 1 to 100, naming row, line and field", async () => {
    const rows = ["CAT-C-1,Good,100,EUR,1,4", "CAT-C-2,Zero,100,EUR,1,0", "CAT-C-3,Big,100,EUR,1,101"];
    rows.push("CAT-C-4,Half,100,EUR,1,1.5", "CAT-C-5,Text,100,EUR,1,x");
    const run = await catalogue("import", file("shards-bad.csv", [header, ...rows].join("\n")), "--env", "local");
    expect(run.status).toBe(1);
    const expected = "stockShards: expected an integer from 1 to 100, got";
    expect(run.stderr).toContain(`row 2 (line 3): ${expected} 0`);
    expect(run.stderr).toContain(`row 3 (line 4): ${expected} 101`);
    expect(run.stderr).toContain(`row 4 (line 5): ${expected} "1.5"`);
    expect(run.stderr).toContain(`row 5 (line 6): ${expected} "x"`);
    expect(run.stderr).toContain("4 problems; nothing was written");
    expect(await stored("CAT-C-1")).toBeUndefined();
    expect(await stored("CAT-C-1#0")).toBeUndefined();
  });

  it("creates its shards with the stock split evenly; orders reserve from one of them", async () => {
    const run = await catalogue(
      "import",
      file("shards.csv", `${header}\nCAT-D-1,Flash sale,1500,EUR,10,4\n`),
      "--env",
      "local",
    );
    expect(run.stdout).toContain("created 1, updated 0, unchanged 0");
    expect(await stored("CAT-D-1")).toEqual({
      ...product("CAT-D-1"),
      name: "Flash sale",
      stock: undefined,
      stockShards: 4,
    });
    expect(await shardStocks("CAT-D-1", 4)).toEqual([3, 3, 2, 2]);
    expect(await stored("CAT-D-1#0")).toEqual({ sku: "CAT-D-1#0", shardOf: "CAT-D-1", stock: 3 });

    const placed = await placeOrder(runtime, `catalogue-sharded-${process.pid}`, [{ sku: "CAT-D-1", quantity: 2 }]);
    expect(placed.status).toBe(202);
    expect(placed.body.totalCents).toBe(3_000);
    const order = await waitFor("inventory to reserve from a shard", () => orderReserved(placed.body.orderId), 20_000);
    expect(order.fulfilment.inventory.status).toBe("RESERVED");
    const stocks = await shardStocks("CAT-D-1", 4);
    expect(stocks.reduce((sum, s) => sum + s, 0)).toBe(8);
  });

  it("exports it once, with the stock of all its shards, and the export imports unchanged", async () => {
    const out = path.join(dir, "export-sharded.json");
    expect((await catalogue("export", "--env", "local", "--out", out)).status).toBe(0);
    const exported = JSON.parse(fs.readFileSync(out, "utf8")) as Product[];
    expect(exported.find((p) => p.sku === "CAT-D-1")).toEqual({
      ...product("CAT-D-1", 8),
      name: "Flash sale",
      stockShards: 4,
      stockWas: 8,
    });
    expect(exported.filter((p) => p.sku.includes("#"))).toEqual([]);
    const run = await catalogue("import", out, "--env", "local");
    expect(run.stdout).toContain(`created 0, updated 0, unchanged ${exported.length}`);

    // A count made on that export, imported after an order reserved from the SKU, is refused.
    const placed = await placeOrder(runtime, `catalogue-after-export-${process.pid}`, [
      { sku: "CAT-D-1", quantity: 1 },
    ]);
    await waitFor("inventory to reserve", () => orderReserved(placed.body.orderId), 20_000);
    const counted = path.join(dir, "counted.json");
    fs.writeFileSync(counted, JSON.stringify(exported.map((p) => (p.sku === "CAT-D-1" ? { ...p, stock: 30 } : p))));
    const refused = await catalogue("import", counted, "--env", "local", "--set-stock");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("stockWas: CAT-D-1 holds 7 now, the file says it held 8");
    expect((await shardStocks("CAT-D-1", 4)).reduce((sum, s) => sum + s, 0)).toBe(7);
    // Give the unit back for the tests after this one (it is the stock they start from).
    expect(
      (
        await catalogue(
          "import",
          file("one-back.csv", `${header}\nCAT-D-1,Flash sale,1500,EUR,8,4\n`),
          "--env",
          "local",
          "--set-stock",
        )
      ).status,
    ).toBe(0);
  });

  it("with --set-stock and the same shards, sets each shard's part of the file's stock (one conditional transaction)", async () => {
    const restocked = file("restocked.csv", `${header}\nCAT-D-1,Flash sale,1500,EUR,20,4\n`);
    const run = await catalogue("import", restocked, "--env", "local", "--set-stock");
    expect(run.stderr).toBe("");
    expect(run.stdout).toContain("created 0, updated 1, unchanged 0");
    expect(await shardStocks("CAT-D-1", 4)).toEqual([5, 5, 5, 5]);
    // Back to the stock the next test starts from.
    const back = file("back.csv", `${header}\nCAT-D-1,Flash sale,1500,EUR,8,4\n`);
    expect((await catalogue("import", back, "--env", "local", "--set-stock")).status).toBe(0);
    expect(await shardStocks("CAT-D-1", 4)).toEqual([2, 2, 2, 2]);
  });

  it("refuses another stockShards without --set-stock, writing nothing; with it, splits the file's stock over the new shards", async () => {
    const reshaped = file("reshaped.csv", `${header}\nCAT-D-1,Flash sale,1500,EUR,10,2\n`);
    const refused = await catalogue("import", reshaped, "--env", "local");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      "row 1 (line 2): stockShards: CAT-D-1 has 4, the file says 2; changing it needs --set-stock",
    );
    expect(refused.stderr).toContain("nothing was written");
    expect((await stored("CAT-D-1")).stockShards).toBe(4);
    expect((await shardStocks("CAT-D-1", 4)).reduce((sum, s) => sum + s, 0)).toBe(8);

    const run = await catalogue("import", reshaped, "--env", "local", "--set-stock");
    expect(run.stdout).toContain("created 0, updated 1, unchanged 0");
    expect((await stored("CAT-D-1")).stockShards).toBe(2);
    expect(await shardStocks("CAT-D-1", 4)).toEqual([5, 5, undefined, undefined]);
  });
});
