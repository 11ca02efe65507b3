import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { mockClient } from "aws-sdk-client-mock";
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchGetCommandInput,
  BatchWriteCommand,
  BatchWriteCommandInput,
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { Product } from "../../lambda-src/shared/product";
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
const putItems = (input: BatchWriteCommandInput) => input.RequestItems![TABLE].map((r) => r.PutRequest!.Item!);
const updateCalls = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);

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
      expect(u.UpdateExpression).toBe("SET #name = :name, #unitPriceCents = :unitPriceCents, #currency = :currency");
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
        "SET #name = :name, #unitPriceCents = :unitPriceCents, #currency = :currency, #stock = :stock",
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
    // The export is a file the import reads back as the same products.
    expect(validateCatalogue(parseCatalogue(catalogueJson(products), "json"), "export")).toEqual(products);
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
