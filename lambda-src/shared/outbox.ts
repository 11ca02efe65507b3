/**
 * The transactional outbox. Every change of an order's life is one conditional write to the order
 * item that also records the event to publish (`outbox.<type>`) and adds its type to the string
 * set `unpublished`. The relay (lambda-src/outbox-relay), fed by the table's stream filtered on
 * that set, publishes what is recorded; the API may publish at once for latency. Either way,
 * `publishPending` is the one path to the topic: it publishes an order's unpublished events in
 * lifecycle order (OrderPlaced before the event that ends the order) and marks each published.
 */
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import * as z from "zod";
import {
  EVENT_SEQUENCE,
  EVENT_TYPES,
  eventIdFor,
  EventType,
  MessageAttributes,
  OrderEvent,
} from "../../contract/events";
import { logger } from "./logger";
import { readOrderItem } from "./orders";
import { OrderRecord, OutboxEntry } from "./order-record";
import { EventPublisher } from "./publisher";
import { outboxShardOf } from "../../contract/outbox-index";

export interface OutboxDeps {
  readonly ddb: DynamoDBDocumentClient;
  readonly ordersTable: string;
  readonly publisher: EventPublisher;
  readonly now?: () => Date;
}

/** The attributes every event of this order carries, for the subscriptions' filters. */
export function attributesOf(
  order: Pick<OrderRecord, "totalCents" | "currency">,
  event: OrderEvent,
): MessageAttributes {
  return { eventType: event.eventType, totalCents: order.totalCents, currency: order.currency };
}

/**
 * The parts of an UpdateExpression that record `event` in the outbox, to be combined with the
 * change it belongs to: `SET <set>` and `ADD <add>`, with these names and values.
 */
export function recordEvent(event: OrderEvent, attributes: MessageAttributes) {
  const entry: OutboxEntry = { event, attributes };
  // An order already listed keeps the time of its oldest unpublished event.
  return {
    set: [
      "outbox.#eventType = :outboxEntry",
      "outboxShard = if_not_exists(outboxShard, :outboxShard)",
      "outboxSince = if_not_exists(outboxSince, :outboxSince)",
    ].join(", "),
    add: "unpublished :eventTypes",
    names: { "#eventType": event.eventType },
    values: {
      ":outboxEntry": entry,
      ":eventTypes": new Set([event.eventType]),
      ":outboxShard": outboxShardOf(event.orderId),
      ":outboxSince": event.occurredAt,
    },
  };
}

/** The outbox of a new order: its OrderPlaced, unpublished, and the order listed in the index. */
export function newOutbox(event: OrderEvent, attributes: MessageAttributes) {
  return {
    outbox: { [event.eventType]: { event, attributes } },
    unpublished: new Set<EventType>([event.eventType]),
    outboxShard: outboxShardOf(event.orderId),
    outboxSince: event.occurredAt,
  };
}

/** Event types in the order they must reach the topic. */
function inLifecycleOrder(types: Iterable<EventType>): EventType[] {
  return [...types].sort((a, b) => EVENT_SEQUENCE[a] - EVENT_SEQUENCE[b]);
}

/**
 * Marks an event published. When it was the last one this publish read, the order also leaves the
 * index, but only if nothing was recorded meanwhile (`unpublished` holds just this type): an event
 * another writer added since keeps the order listed, with the time of its oldest event.
 */
async function markPublished(deps: OutboxDeps, orderId: string, eventType: EventType, last: boolean): Promise<void> {
  const mark = {
    TableName: deps.ordersTable,
    Key: { orderId },
    UpdateExpression: "SET outbox.#eventType.publishedAt = :at DELETE unpublished :eventTypes",
    ExpressionAttributeNames: { "#eventType": eventType },
    ExpressionAttributeValues: {
      ":at": (deps.now ?? (() => new Date()))().toISOString(),
      ":eventTypes": new Set([eventType]),
    },
  };
  if (last) {
    try {
      await deps.ddb.send(
        new UpdateCommand({
          ...mark,
          UpdateExpression: `${mark.UpdateExpression} REMOVE outboxShard, outboxSince`,
          ConditionExpression: "size(unpublished) = :one AND contains(unpublished, :eventType)",
          ExpressionAttributeValues: { ...mark.ExpressionAttributeValues, ":one": 1, ":eventType": eventType },
        }),
      );
      return;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  await deps.ddb.send(new UpdateCommand(mark));
}

/** What publishing reads of an order: its outbox, the entries checked one by one as they are published. */
type Pending = { outbox: Record<string, unknown>; unpublished?: Set<EventType> };

const PendingItem = z.object({
  outbox: z.record(z.string(), z.unknown()),
  unpublished: z.set(z.enum(EVENT_TYPES)).optional(),
});

/**
 * Only the order's outbox, never the rest of the item: a consumer that records an outcome this
 * code does not know yet (a new fulfilment status) must not stop the publishing of any event.
 */
async function findPending(deps: OutboxDeps, orderId: string): Promise<Pending | undefined> {
  const item = await readOrderItem(deps.ddb, deps.ordersTable, orderId, {
    consistent: true,
    attributes: ["outbox", "unpublished"],
  });
  if (!item) return undefined;
  const parsed = PendingItem.safeParse(item);
  if (parsed.success) return parsed.data;
  refuse(orderId, undefined, `its outbox cannot be read: ${parsed.error.issues[0]?.message}`);
  return undefined;
}

/**
 * An order whose outbox cannot be published as it stands is logged at ERROR and left as it is,
 * without throwing: retrying cannot fix what is stored, and a throw would hold the relay's stream
 * shard and count against the sweep's run. It stays listed in the outbox index, so the age alarm
 * pages until an operator looks at it.
 */
function refuse(orderId: string, eventType: EventType | undefined, reason: string): void {
  logger.error("outbox entry refused: not published", { orderId, eventType, reason });
}

/** The entry to publish for this slot, or why there is none that may be published. */
function entryFor(orderId: string, eventType: EventType, stored: unknown): OutboxEntry | string {
  if (!stored) return `${eventType} is listed as unpublished but the outbox has no such entry`;
  const parsed = OutboxEntry.safeParse(stored);
  if (!parsed.success) return `the entry is not an event this code can publish: ${parsed.error.issues[0]?.message}`;
  return entryMismatch(orderId, eventType, parsed.data.event) ?? parsed.data;
}

/**
 * Why an outbox entry must not be published: it names another order or another type than the
 * slot it is in, or does not carry the eventId those give it. The consumers' roles may write to
 * the order item, so the trusted publisher checks what it is about to send in the order's name.
 */
export function entryMismatch(orderId: string, eventType: EventType, event: OrderEvent): string | undefined {
  if (event.orderId !== orderId) return `it names order ${event.orderId}`;
  if (event.eventType !== eventType) return `it is an ${event.eventType}`;
  if (event.eventId !== eventIdFor(orderId, eventType)) return `its eventId is ${event.eventId}`;
  return undefined;
}

/**
 * Publishes every unpublished event of the order, in lifecycle order, marking each published
 * before the next; stops at the first failure, so a later event never reaches the topic before an
 * earlier one. Only a service failing (SNS, KMS, DynamoDB) throws. An entry that cannot be
 * published as stored (missing, unreadable, or not matching its slot: entryMismatch) is refused
 * (see refuse), and nothing after it is published. SNS drops a repeat of an eventId within five
 * minutes; after that, consumers are idempotent on it. The order is read (strongly consistent)
 * unless the caller holds the image its own write produced. Answers what it published.
 */
export async function publishPending(
  deps: OutboxDeps,
  orderId: string,
  current?: Pick<OrderRecord, "outbox" | "unpublished">,
): Promise<EventType[]> {
  const order: Pending | undefined = current ?? (await findPending(deps, orderId));
  if (!order) return [];
  const published: EventType[] = [];
  const pending = inLifecycleOrder(order.unpublished ?? []);
  for (const [position, eventType] of pending.entries()) {
    const entry = entryFor(orderId, eventType, order.outbox[eventType]);
    if (typeof entry === "string") {
      refuse(orderId, eventType, entry);
      break;
    }
    await deps.publisher.publish(entry.event, entry.attributes);
    await markPublished(deps, orderId, eventType, position === pending.length - 1);
    published.push(eventType);
  }
  return published;
}

/** Whether the order's event of this type has reached the topic. */
export function isPublished(order: OrderRecord, eventType: EventType): boolean {
  return Boolean(order.outbox[eventType]) && !order.unpublished?.has(eventType);
}
