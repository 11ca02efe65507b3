import { topLevelAttributes } from "../../../local/authz/dynamodb-attributes";

describe("the top-level attributes an item request names (dynamodb:Attributes)", () => {
  it("takes the key, and the first element of every path of the update and condition expressions", () => {
    expect(
      topLevelAttributes({
        Key: { orderId: { S: "ord_1" } },
        UpdateExpression:
          "SET outbox.#type = :entry, outboxShard = if_not_exists(outboxShard, :shard), lines[0].sku = :s ADD unpublished :types REMOVE spare",
        ConditionExpression:
          "attribute_exists(orderId) AND (attribute_not_exists(fulfilment.#svc) OR size(unpublished) = :one) AND #status IN (:a, :b)",
        ExpressionAttributeNames: { "#type": "OrderPlaced", "#svc": "billing", "#status": "status" },
      }),
    ).toEqual(["fulfilment", "lines", "orderId", "outbox", "outboxShard", "spare", "status", "unpublished"]);
  });

  it("reads functions, keywords and values as what they are, not as attributes", () => {
    expect(
      topLevelAttributes({
        Key: { sku: { S: "KB-01" } },
        UpdateExpression: "SET stock = stock - :quantity",
        ConditionExpression: "stock >= :quantity AND NOT contains(tags, :t) and begins_with(#n, :p) BETWEEN",
        ExpressionAttributeNames: { "#n": "name" },
      }),
    ).toEqual(["name", "sku", "stock", "tags"]);
  });

  it("takes a whole item's attributes for PutItem, and a projection's for GetItem", () => {
    expect(topLevelAttributes({ Item: { orderId: { S: "o" }, total: { N: "1" } } })).toEqual(["orderId", "total"]);
    expect(topLevelAttributes({ Key: { orderId: {} }, ProjectionExpression: "outbox, unpublished" })).toEqual([
      "orderId",
      "outbox",
      "unpublished",
    ]);
  });
});
