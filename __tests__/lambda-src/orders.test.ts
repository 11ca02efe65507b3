import { mockClient } from "aws-sdk-client-mock";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { findOrder, loadOrder, readOrderItem } from "../../lambda-src/shared/orders";

const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: "eu-west-1" }));
const ddbMock = mockClient(ddb);
const TABLE = "orders";
const ORDER = "ord_0123456789abcdef01234567";

const request = () => ddbMock.commandCalls(GetCommand)[0].args[0].input;

beforeEach(() => ddbMock.reset());

describe("reading an order by id", () => {
  it("reads the attributes asked for, as consistently as asked", async () => {
    ddbMock.on(GetCommand).resolves({ Item: { unpublished: new Set(["OrderPlaced"]) } });
    expect(
      await readOrderItem(ddb, TABLE, ORDER, { consistent: false, attributes: ["outbox", "unpublished"] }),
    ).toEqual({
      unpublished: new Set(["OrderPlaced"]),
    });
    expect(request()).toEqual({
      TableName: TABLE,
      Key: { orderId: ORDER },
      ConsistentRead: false,
      ProjectionExpression: "outbox, unpublished",
    });
  });

  it("finds the whole order strongly consistent, and answers undefined or an error for one that does not exist", async () => {
    ddbMock.on(GetCommand).resolves({});
    expect(await findOrder(ddb, TABLE, ORDER)).toBeUndefined();
    expect(request()).toEqual({ TableName: TABLE, Key: { orderId: ORDER }, ConsistentRead: true });
    await expect(loadOrder(ddb, TABLE, ORDER)).rejects.toThrow(`order ${ORDER} does not exist`);
  });
});
