/**
 * What each writer of an order item names in its writes: the top-level attributes of its
 * UpdateItem's key, update and condition expressions. The stack lets each role write only these
 * (IAM `dynamodb:Attributes`, OnDemandTable.grantUpdate in stacks/constructs/on-demand-table.ts), so a consumer that is compromised cannot
 * record an event in the outbox, change the order's status or its customer; the local runtime
 * checks every write against the same lists (local/authz/dynamodb-attributes.ts). The orders
 * API writes whole orders and is not limited.
 */
export const ORDER_ATTRIBUTES_WRITTEN_BY = {
  /** billing, notification, review: their outcome (shared/fulfilment.ts). */
  consumer: ["orderId", "fulfilment"],
  /** Inventory also reserves, releases and rejects: its OrderRejected goes through the outbox (inventory/stock.ts). */
  inventory: [
    "orderId",
    "fulfilment",
    "reservation",
    "status",
    "rejectedAt",
    "outbox",
    "unpublished",
    "outboxShard",
    "outboxSince",
  ],
  /** The relay and the sweep mark what they published (shared/outbox.ts). */
  outboxPublisher: ["orderId", "outbox", "unpublished", "outboxShard", "outboxSince"],
} as const satisfies Record<string, readonly string[]>;
