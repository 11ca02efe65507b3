import { mockClient } from "aws-sdk-client-mock";
import { BatchGetCommand, DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { cachedProductReader, getProductItems } from "../../lambda-src/shared/product-reads";

const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
const ddbMock = mockClient(ddb);
const TABLE = "products";

/** Answers every key asked for that is in `stored`. */
function storing(stored: Record<string, Record<string, unknown>>) {
  ddbMock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: { sku: string }[] }> }) => ({
    Responses: { [TABLE]: input.RequestItems[TABLE].Keys.flatMap(({ sku }) => (stored[sku] ? [stored[sku]] : [])) },
  }));
}

const calls = () =>
  ddbMock.commandCalls(BatchGetCommand).map((c) => {
    const request = c.args[0].input.RequestItems![TABLE];
    return { skus: request.Keys!.map((k) => k.sku as string), consistent: request.ConsistentRead };
  });

beforeEach(() => ddbMock.reset());

describe("reading product items", () => {
  it("reads a SKU once within its maximum age, eventually consistent, and again after it", async () => {
    storing({ A: { sku: "A", unitPriceCents: 100 } });
    let now = 0;
    const read = cachedProductReader(ddb, TABLE, 5000, () => now);
    expect((await read(["A"])).get("A")).toEqual({ sku: "A", unitPriceCents: 100 });
    now = 4999;
    await read(["A"]);
    now = 5000;
    await read(["A"]);
    expect(calls()).toEqual([
      { skus: ["A"], consistent: false },
      { skus: ["A"], consistent: false },
    ]);
  });

  it("reads fresh, strongly consistent, when asked, and keeps what it read", async () => {
    storing({ A: { sku: "A", stockShards: 4 } });
    let now = 0;
    const read = cachedProductReader(ddb, TABLE, 10_000, () => now);
    await read(["A"]);
    now = 1;
    await read(["A"], true);
    now = 2;
    await read(["A"]);
    expect(calls().map((c) => c.consistent)).toEqual([false, true]);
  });

  it("does not remember a SKU that does not exist: an import may create it next", async () => {
    storing({});
    const read = cachedProductReader(ddb, TABLE, 10_000, () => 0);
    expect((await read(["NEW"])).has("NEW")).toBe(false);
    storing({ NEW: { sku: "NEW" } });
    expect((await read(["NEW"])).has("NEW")).toBe(true);
  });

  it("reads every time, strongly consistent, with no maximum age", async () => {
    storing({ A: { sku: "A" } });
    const read = cachedProductReader(ddb, TABLE, 0);
    await read(["A"]);
    await read(["A"]);
    expect(calls().map((c) => c.consistent)).toEqual([true, true]);
  });

  it("asks for 100 keys a call and again for the keys DynamoDB left unprocessed", async () => {
    const skus = Array.from({ length: 150 }, (_, i) => `S${i}`);
    let first = true;
    ddbMock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: { sku: string }[] }> }) => {
      const keys = input.RequestItems[TABLE].Keys;
      const unprocessed = first ? keys.slice(0, 3) : [];
      first = false;
      return {
        Responses: { [TABLE]: keys.slice(unprocessed.length).map(({ sku }) => ({ sku })) },
        UnprocessedKeys: unprocessed.length ? { [TABLE]: { Keys: unprocessed } } : {},
      };
    });
    const items = await getProductItems(ddb, TABLE, skus, false);
    expect(items.size).toBe(150);
    expect(calls().map((c) => c.skus.length)).toEqual([100, 3, 50]);
  });
});
