import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchGetCommandInput,
  TransactWriteCommand,
  BatchWriteCommand,
  BatchWriteCommandInput,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { Product } from "../../contract/product";
import { importCatalogue, importCatalogueFile } from "../../ops/catalogue/import";
import { catalogueJson, exportCatalogue } from "../../ops/catalogue/export";
import { CatalogueError, parseCatalogue } from "../../ops/catalogue/read";
import { validateCatalogue } from "../../ops/catalogue/validate";

const TABLE = "order-fanout-dev-products";
const ddbMock = mockClient(DynamoDBDocumentClient);
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
const FAST = { retry: { attempts: 4, baseDelayMs: 0, maxDelayMs: 0 } };

const product = (sku: string, fields: Partial<Product> = {}): Product => ({
  sku,
  name: `Product ${sku}`,
  unitPriceCents: 1_000,
  currency: "EUR",
  stock: 10,
  ...fields,
});
const skus = (count: number, prefix = "P") => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

/** What the table holds; BatchGet answers from it, leaving `unprocessedKeys` for the next call. */
let stored: Map<string, Record<string, unknown>>;
let unprocessedKeys: number;

function answerBatchGet(input: BatchGetCommandInput) {
  const keys = input.RequestItems![TABLE].Keys! as { sku: string }[];
  const left = keys.slice(0, unprocessedKeys);
  unprocessedKeys = 0;
  const found = keys.slice(left.length).flatMap(({ sku }) => (stored.has(sku) ? [stored.get(sku)!] : []));
  return {
    Responses: { [TABLE]: found },
    ...(left.length > 0 ? { UnprocessedKeys: { [TABLE]: { Keys: left } } } : {}),
  };
}

const writeCalls = () => ddbMock.commandCalls(BatchWriteCommand).map((c) => c.args[0].input);
const putItems = (input: BatchWriteCommandInput) =>
  input.RequestItems![TABLE].flatMap((r) => (r.PutRequest ? [r.PutRequest.Item!] : []));
const updateCalls = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
/** The items emptied before a stock change (emptyRetiringItems in import.ts). */
const emptied = () =>
  updateCalls()
    .filter((u) => u.UpdateExpression === "SET stock = :none")
    .map((u) => u.Key!.sku as string);

beforeEach(() => {
  ddbMock.reset();
  stored = new Map();
  unprocessedKeys = 0;
  ddbMock.on(BatchGetCommand).callsFake(answerBatchGet);
  ddbMock.on(BatchWriteCommand).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
});

describe("classification", () => {
  beforeEach(() => {
    for (const p of [product("SAME"), product("PRICE"), product("STOCK", { stock: 3 })]) stored.set(p.sku, p);
    stored.set("EXTRA", { ...product("EXTRA"), reservedBy: "an attribute the catalogue does not own" });
  });
  const file = [
    product("SAME"),
    product("PRICE", { unitPriceCents: 1_250 }),
    product("STOCK", { stock: 99 }),
    product("EXTRA", { name: "Renamed" }),
    product("NEW"),
  ];

  it("creates absent SKUs, updates those whose catalogue fields differ, and leaves stock alone", async () => {
    const result = await importCatalogue(ddb, TABLE, file, FAST);
    expect(result).toEqual({
      created: ["NEW"],
      updated: ["PRICE", "EXTRA"],
      unchanged: ["SAME", "STOCK"],
      written: true,
    });

    const [get] = ddbMock.commandCalls(BatchGetCommand);
    expect(get.args[0].input.RequestItems![TABLE]).toMatchObject({
      Keys: file.map(({ sku }) => ({ sku })),
      ConsistentRead: true,
    });
    expect(writeCalls().flatMap(putItems)).toEqual([product("NEW")]);
    expect(ddbMock.commandCalls(PutCommand)).toHaveLength(0);
    expect(updateCalls().map((u) => u.Key)).toEqual([{ sku: "PRICE" }, { sku: "EXTRA" }]);
    for (const u of updateCalls()) {
      expect(u.ConditionExpression).toBe("attribute_exists(sku)");
      expect(u.UpdateExpression).toBe(
        "SET #name = :name, #unitPriceCents = :unitPriceCents, #currency = :currency REMOVE #smokeTest",
      );
      expect(Object.values(u.ExpressionAttributeNames!)).not.toContain("stock");
      expect(Object.keys(u.ExpressionAttributeValues!)).not.toContain(":stock");
    }
    expect(updateCalls()[0].ExpressionAttributeValues).toEqual({
      ":name": "Product PRICE",
      ":unitPriceCents": 1_250,
      ":currency": "EUR",
    });
  });

  it("with setStock, a different stock is an update too, and every update sets the file's stock", async () => {
    const result = await importCatalogue(ddb, TABLE, file, { ...FAST, setStock: true });
    expect(result).toEqual({
      created: ["NEW"],
      updated: ["PRICE", "STOCK", "EXTRA"],
      unchanged: ["SAME"],
      written: true,
    });
    for (const u of updateCalls()) {
      expect(u.UpdateExpression).toBe(
        "SET #name = :name, #unitPriceCents = :unitPriceCents, #currency = :currency, #stock = :stock REMOVE #smokeTest",
      );
    }
    expect(updateCalls()[1].ExpressionAttributeValues).toMatchObject({ ":stock": 99 });
  });

  it("a dry run classifies the same way and writes nothing", async () => {
    const result = await importCatalogue(ddb, TABLE, file, { ...FAST, dryRun: true });
    expect(result).toEqual({
      created: ["NEW"],
      updated: ["PRICE", "EXTRA"],
      unchanged: ["SAME", "STOCK"],
      written: false,
    });
    expect(ddbMock.commandCalls(BatchWriteCommand)).toHaveLength(0);
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });
});

describe("sharded SKUs", () => {
  /** The table's calls in order, as `Command key…`. */
  const writes = () =>
    ddbMock.calls().flatMap((c) => {
      const input = c.args[0].input as any;
      if (input.Key) return [`Update ${input.Key.sku}`];
      if (!input.RequestItems?.[TABLE] || input.RequestItems[TABLE].Keys) return [];
      return input.RequestItems[TABLE].map((r: any) =>
        r.PutRequest ? `Put ${r.PutRequest.Item.sku}` : `Delete ${r.DeleteRequest.Key.sku}`,
      );
    });
  /** A stored sharded product and its shards holding `stocks`. */
  function storeSharded(sku: string, stocks: number[], fields: Partial<Product> = {}) {
    const { stock: _, ...item } = product(sku, fields);
    stored.set(sku, { ...item, stockShards: stocks.length });
    stocks.forEach((stock, i) => stored.set(`${sku}#${i}`, { sku: `${sku}#${i}`, shardOf: sku, stock }));
  }

  it("with setStock and the same shards, writes every shard in one transaction, each only if it holds what was read", async () => {
    storeSharded("FLASH", [3, 0, 2]);
    await importCatalogue(ddb, TABLE, [product("FLASH", { stock: 9, stockShards: 3 })], { ...FAST, setStock: true });
    const [transaction] = ddbMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems!);
    expect(
      transaction.map((t) => [t.Update!.Key!.sku, t.Update!.ConditionExpression, t.Update!.ExpressionAttributeValues]),
    ).toEqual([
      ["FLASH#0", "stock = :read", { ":stock": 3, ":sku": "FLASH", ":read": 3 }],
      ["FLASH#1", "stock = :read", { ":stock": 3, ":sku": "FLASH", ":read": 0 }],
      ["FLASH#2", "stock = :read", { ":stock": 3, ":sku": "FLASH", ":read": 2 }],
    ]);
    expect(writeCalls().flatMap(putItems)).toEqual([]);

    ddbMock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: "cancelled",
        $metadata: {},
        CancellationReasons: [{ Code: "None" }, { Code: "ConditionalCheckFailed" }, { Code: "None" }],
      }),
    );
    await expect(
      importCatalogue(ddb, TABLE, [product("FLASH", { stock: 9, stockShards: 3 })], { ...FAST, setStock: true }),
    ).rejects.toThrow(
      "FLASH: its stock changed while the import ran (read 5 over 3 shards): reservations were made meanwhile",
    );
  });

  it("creates a sharded SKU's shards, the stock split evenly, before the product item that names them", async () => {
    const result = await importCatalogue(ddb, TABLE, [product("FLASH", { stock: 10, stockShards: 4 })], FAST);
    expect(result.created).toEqual(["FLASH"]);
    expect(writeCalls().flatMap(putItems)).toEqual([
      { sku: "FLASH#0", shardOf: "FLASH", stock: 3 },
      { sku: "FLASH#1", shardOf: "FLASH", stock: 3 },
      { sku: "FLASH#2", shardOf: "FLASH", stock: 2 },
      { sku: "FLASH#3", shardOf: "FLASH", stock: 2 },
      { sku: "FLASH", name: "Product FLASH", unitPriceCents: 1_000, currency: "EUR", stockShards: 4 },
    ]);
    expect(writes().at(-1)).toBe("Put FLASH");
  });

  it("stores no stockShards for one shard: the product item holds the stock, as before", async () => {
    await importCatalogue(ddb, TABLE, [product("ONE", { stockShards: 1 })], FAST);
    expect(writeCalls().flatMap(putItems)).toEqual([product("ONE")]);
  });

  it("reads a sharded SKU's stock as its shards' sum, and leaves it to inventory without setStock", async () => {
    storeSharded("FLASH", [1, 0, 4]);
    const file = [product("FLASH", { stock: 5, stockShards: 3 })];
    expect(await importCatalogue(ddb, TABLE, file, { ...FAST, setStock: true })).toMatchObject({
      unchanged: ["FLASH"],
    });
    const renamed = [product("FLASH", { stock: 99, stockShards: 3, name: "Renamed" })];
    expect(await importCatalogue(ddb, TABLE, renamed, FAST)).toMatchObject({ updated: ["FLASH"] });
    expect(writes()).toEqual(["Update FLASH"]);
    expect(updateCalls()[0].UpdateExpression).toBe(
      "SET #name = :name, #unitPriceCents = :unitPriceCents, #currency = :currency REMOVE #smokeTest",
    );
  });

  it("refuses a changed stockShards without setStock, naming row, field and SKU, and writes nothing", async () => {
    storeSharded("FLASH", [1, 1, 1, 1]);
    stored.set("PLAIN", product("PLAIN"));
    const file = [product("NEW"), product("FLASH", { stockShards: 2 }), product("PLAIN", { stockShards: 8 })];
    for (const dryRun of [false, true]) {
      const refusal = importCatalogue(ddb, TABLE, file, { ...FAST, dryRun });
      await expect(refusal).rejects.toBeInstanceOf(CatalogueError);
      await expect(refusal).rejects.toMatchObject({
        file: TABLE,
        problems: [
          "row 2: stockShards: FLASH has 4, the file says 2; changing it needs --set-stock, which sets the SKU's stock to the file's, split over the new shards",
          "row 3: stockShards: PLAIN has 1, the file says 8; changing it needs --set-stock, which sets the SKU's stock to the file's, split over the new shards",
        ],
      });
    }
    expect(writes()).toEqual([]);
  });

  it("with setStock, fewer shards: the kept ones get the file's stock and the rest go before the product item changes", async () => {
    storeSharded("FLASH", [0, 5, 1, 7]);
    const result = await importCatalogue(ddb, TABLE, [product("FLASH", { stock: 9, stockShards: 2 })], {
      ...FAST,
      setStock: true,
    });
    expect(result.updated).toEqual(["FLASH"]);
    expect(writes()).toEqual([
      "Update FLASH#2",
      "Update FLASH#3",
      "Put FLASH#0",
      "Put FLASH#1",
      "Delete FLASH#2",
      "Delete FLASH#3",
      "Update FLASH",
    ]);
    expect(emptied()).toEqual(["FLASH#2", "FLASH#3"]);
    expect(writeCalls().flatMap(putItems)).toEqual([
      { sku: "FLASH#0", shardOf: "FLASH", stock: 5 },
      { sku: "FLASH#1", shardOf: "FLASH", stock: 4 },
    ]);
    expect(updateCalls().at(-1)).toMatchObject({
      UpdateExpression:
        "SET #name = :name, #unitPriceCents = :unitPriceCents, #currency = :currency, #stockShards = :stockShards REMOVE #smokeTest, #stock",
      ExpressionAttributeValues: { ":stockShards": 2 },
    });
  });

  it("with setStock, an unsharded SKU becoming sharded: shards first, then the product item gives up its stock", async () => {
    stored.set("PLAIN", product("PLAIN", { stock: 3 }));
    await importCatalogue(ddb, TABLE, [product("PLAIN", { stock: 7, stockShards: 3 })], { ...FAST, setStock: true });
    expect(writes()).toEqual(["Update PLAIN", "Put PLAIN#0", "Put PLAIN#1", "Put PLAIN#2", "Update PLAIN"]);
    expect(emptied()).toEqual(["PLAIN"]);
    expect(
      writeCalls()
        .flatMap(putItems)
        .map((i) => i.stock),
    ).toEqual([3, 2, 2]);
    expect(updateCalls().at(-1)!.UpdateExpression).toMatch(/#stockShards = :stockShards REMOVE #smokeTest, #stock$/);
  });

  it("with setStock, a sharded SKU becoming unsharded: the product item takes the stock, then the shards go", async () => {
    storeSharded("FLASH", [2, 2]);
    await importCatalogue(ddb, TABLE, [product("FLASH", { stock: 6 })], { ...FAST, setStock: true });
    expect(writes()).toEqual(["Update FLASH#0", "Update FLASH#1", "Update FLASH", "Delete FLASH#0", "Delete FLASH#1"]);
    expect(emptied()).toEqual(["FLASH#0", "FLASH#1"]);
    expect(updateCalls()[2]).toMatchObject({
      UpdateExpression:
        "SET #name = :name, #unitPriceCents = :unitPriceCents, #currency = :currency, #stock = :stock REMOVE #smokeTest, #stockShards",
      ExpressionAttributeValues: { ":stock": 6 },
    });
  });

  it("exports a sharded SKU once, with its stockShards and the stock of the shards it names", async () => {
    storeSharded("FLASH", [3, 0, 4]);
    stored.set("FLASH#7", { sku: "FLASH#7", shardOf: "FLASH", stock: 50 }); // named by no product
    stored.set("PLAIN", product("PLAIN"));
    ddbMock.on(ScanCommand).resolves({ Items: [...stored.values()] });
    const products = await exportCatalogue(ddb, TABLE);
    expect(products).toEqual([product("FLASH", { stock: 7, stockShards: 3 }), product("PLAIN")]);
    expect(catalogueJson(products)).toContain('"stock":7,"stockShards":3,"stockWas":7}');
  });
});

describe("batches", () => {
  it("reads 100 keys a call and asks again for the unprocessed ones", async () => {
    unprocessedKeys = 7;
    await importCatalogue(
      ddb,
      TABLE,
      skus(250).map((sku) => product(sku)),
      FAST,
    );
    const sizes = ddbMock
      .commandCalls(BatchGetCommand)
      .map((c) => (c.args[0].input.RequestItems![TABLE].Keys ?? []).length);
    expect(sizes).toEqual([100, 7, 100, 50]);
  });

  it("writes new products 25 a call at most and retries unprocessed items until none are left", async () => {
    let calls = 0;
    ddbMock.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => {
      const requests = input.RequestItems![TABLE];
      calls++;
      // The first two calls each leave their last three requests unprocessed.
      return calls <= 2 ? { UnprocessedItems: { [TABLE]: requests.slice(-3) } } : {};
    });
    const products = skus(60).map((sku) => product(sku));
    const result = await importCatalogue(ddb, TABLE, products, FAST);

    expect(result.created).toHaveLength(60);
    const sizes = writeCalls().map((input) => input.RequestItems![TABLE].length);
    expect(sizes).toEqual([25, 3, 3, 25, 10]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(25);
    expect(writeCalls()[1].RequestItems![TABLE]).toEqual(writeCalls()[0].RequestItems![TABLE].slice(-3));
    const written = writeCalls().flatMap(putItems);
    expect(new Set(written.map((item) => item.sku)).size).toBe(60);
  });

  it("stops with a clear error when unprocessed items never drain", async () => {
    ddbMock.on(BatchWriteCommand).callsFake((input: BatchWriteCommandInput) => ({
      UnprocessedItems: { [TABLE]: input.RequestItems![TABLE].slice(-2) },
    }));
    await expect(
      importCatalogue(
        ddb,
        TABLE,
        skus(5).map((sku) => product(sku)),
        FAST,
      ),
    ).rejects.toThrow(
      "the import stopped part-way (2 new products still unprocessed after 4 attempts (the table is throttling requests)); running the same import again finishes it",
    );
    expect(writeCalls()).toHaveLength(4);
  });

  it("updates 25 products at a time, in parallel", async () => {
    const products = skus(60).map((sku) => product(sku));
    for (const p of products) stored.set(p.sku, { ...p, name: "Old name" });
    let inFlight = 0;
    let most = 0;
    ddbMock.on(UpdateCommand).callsFake(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      return {};
    });
    const result = await importCatalogue(ddb, TABLE, products, FAST);
    expect(result.updated).toHaveLength(60);
    expect(updateCalls()).toHaveLength(60);
    expect(most).toBe(25);
  });

  it("with setStock, writes a SKU's stock only if it is still what the import read, and names one a reservation changed", async () => {
    stored.set("BUSY", product("BUSY", { stock: 10 }));
    await importCatalogue(ddb, TABLE, [product("BUSY", { stock: 50 })], { ...FAST, setStock: true });
    expect(updateCalls()[0]).toMatchObject({
      ConditionExpression: "attribute_exists(sku) AND #stock = :read",
      ExpressionAttributeValues: expect.objectContaining({ ":stock": 50, ":read": 10 }),
    });

    ddbMock.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: "failed",
        $metadata: {},
        Item: { sku: { S: "BUSY" }, stock: { N: "7" } },
      }),
    );
    await expect(
      importCatalogue(ddb, TABLE, [product("BUSY", { stock: 50 })], { ...FAST, setStock: true }),
    ).rejects.toThrow(
      "BUSY: its stock changed while the import ran (read 10, now 7): reservations were made meanwhile, and --set-stock would have overwritten them",
    );
  });

  it("names a product deleted while the import ran", async () => {
    stored.set("GONE", product("GONE", { name: "Old name" }));
    ddbMock.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: "failed", $metadata: {} }));
    await expect(importCatalogue(ddb, TABLE, [product("GONE")], FAST)).rejects.toThrow(
      "1 update failed, the first: GONE was deleted while the import ran",
    );
  });
});

describe("a file", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "catalogue-import-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("with one invalid row is refused before any call to the table", async () => {
    const file = path.join(dir, "products.json");
    fs.writeFileSync(file, JSON.stringify([product("GOOD-1"), product("BAD-1", { stock: -1 }), product("GOOD-2")]));
    const refusal = importCatalogueFile(ddb, TABLE, file, FAST);
    await expect(refusal).rejects.toBeInstanceOf(CatalogueError);
    await expect(refusal).rejects.toMatchObject({ problems: ["row 2: stock: expected an integer ≥ 0, got -1"] });
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it("that is valid is imported", async () => {
    const file = path.join(dir, "products.csv");
    fs.writeFileSync(file, "sku,name,unitPriceCents,currency,stock\nCSV-1,From a spreadsheet,250,GBP,4\n");
    expect(await importCatalogueFile(ddb, TABLE, file, FAST)).toMatchObject({ created: ["CSV-1"] });
    expect(writeCalls().flatMap(putItems)).toEqual([
      { sku: "CSV-1", name: "From a spreadsheet", unitPriceCents: 250, currency: "GBP", stock: 4 },
    ]);
  });
  it("whose row changes a SKU's stockShards is refused naming its row and line, without setStock", async () => {
    stored.set("CSV-2", { ...product("CSV-2"), stock: undefined, stockShards: 4 });
    const file = path.join(dir, "shards.csv");
    fs.writeFileSync(
      file,
      "sku,name,unitPriceCents,currency,stock,stockShards\nCSV-1,One,250,GBP,4,\nCSV-2,Two,1,EUR,8,2\n",
    );
    await expect(importCatalogueFile(ddb, TABLE, file, FAST)).rejects.toMatchObject({
      file,
      problems: [
        expect.stringMatching(
          /^row 2 \(line 3\): stockShards: CSV-2 has 4, the file says 2; changing it needs --set-stock/,
        ),
      ],
    });
    expect(writeCalls()).toHaveLength(0);
  });
});

describe("a count made on an export", () => {
  it("with setStock, refuses every SKU whose stock is no longer the file's stockWas, naming it, and writes nothing", async () => {
    stored.set("KB-01", product("KB-01", { stock: 90 }));
    stored.set("MS-02", product("MS-02", { stock: 40 }));
    const counted = [
      { ...product("KB-01", { stock: 150 }), stockWas: 100 },
      { ...product("MS-02", { stock: 60 }), stockWas: 40 },
    ];
    await expect(importCatalogue(ddb, TABLE, counted, { ...FAST, setStock: true })).rejects.toMatchObject({
      problems: [
        "row 1: stockWas: KB-01 holds 90 now, the file says it held 100: orders reserved or gave back stock since, " +
          "and --set-stock to 150 would overwrite that; export again and redo the count, or set stockWas to what the count started from",
      ],
    });
    expect(writeCalls()).toHaveLength(0);
    expect(updateCalls()).toHaveLength(0);

    // What still holds the exported stock is counted; stockWas is never stored.
    await importCatalogue(ddb, TABLE, [counted[1]], { ...FAST, setStock: true });
    expect(updateCalls()[0].ExpressionAttributeValues).toMatchObject({ ":stock": 60, ":read": 40 });
    expect(JSON.stringify(updateCalls())).not.toContain("stockWas");
    await importCatalogue(ddb, TABLE, [{ ...product("NEW-1"), stockWas: 3 }], FAST);
    expect(JSON.stringify(writeCalls())).not.toContain("stockWas");
  });
});

describe("export", () => {
  it("scans every page, sorts by SKU and leaves out attributes that are not the catalogue's", async () => {
    const pages = [
      { Items: [product("MS-02"), { ...product("KB-01"), reservedBy: "x" }], LastEvaluatedKey: { sku: "KB-01" } },
      { Items: [product("CB-06")] },
    ];
    const scans: Record<string, unknown>[] = [];
    ddbMock.on(ScanCommand).callsFake((input: Record<string, unknown>) => {
      scans.push({ ...input }); // the paginator reuses its input object
      return pages[scans.length - 1];
    });
    const products = await exportCatalogue(ddb, TABLE);
    expect(products).toEqual([product("CB-06"), product("KB-01"), product("MS-02")]);
    expect(scans).toEqual([
      { TableName: TABLE, ConsistentRead: true, ExclusiveStartKey: undefined, Limit: undefined },
      { TableName: TABLE, ConsistentRead: true, ExclusiveStartKey: { sku: "KB-01" }, Limit: undefined },
    ]);
    // The export is a file the import reads back as the same products, each with the stock it held.
    expect(validateCatalogue(parseCatalogue(catalogueJson(products), "json"), "export")).toEqual(
      products.map((p) => ({ ...p, stockWas: p.stock })),
    );
  });

  it("reports a stored item that is not a valid product by its SKU, and exports nothing", async () => {
    ddbMock
      .on(ScanCommand)
      .resolves({ Items: [product("KB-01"), { ...product("BROKEN"), stock: -2, currency: "JPY" }] });
    await expect(exportCatalogue(ddb, TABLE)).rejects.toMatchObject({
      problems: [
        'item "BROKEN": currency: expected one of EUR, USD, GBP, got "JPY"',
        'item "BROKEN": stock: expected an integer ≥ 0, got -2',
      ],
    });
  });
});
