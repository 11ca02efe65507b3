/**
 * The outbox sweep: publishes what the relay's stream missed. The relay is fed by the orders
 * table's stream, which keeps a record 24 hours, and gives a record up after bounded retries (to
 * its on-failure queue); an order whose events were never published stays listed in the outbox
 * index (contract/outbox-index.ts) until they are. On its schedule the sweep reads the index, a few
 * partitions at a time, oldest first in each, and publishes each listed order's events through `publishPending`,
 * the one path to the topic, in lifecycle order: OrderPlaced before the event that ends the order.
 *
 * Orders listed for less than the grace are left to the relay, which publishes within seconds.
 * A sweep, the relay and the API may publish the same order at once: SNS drops a repeat of an
 * eventId within five minutes, consumers are idempotent on eventId after that, and each publish
 * still goes in lifecycle order, so an order's events never reach a queue out of order.
 */
import * as z from "zod";
import { OutboxDeps, publishPending } from "../shared/outbox";
import { allShards, listedIn, oldestListed } from "../shared/outbox-listing";
import { logger } from "../shared/logger";

export interface SweepDeps extends OutboxDeps {
  /** Orders listed for less than this are left to the relay. */
  readonly graceSeconds: number;
  /** Milliseconds left before the invocation times out. */
  readonly remainingMs: () => number;
}

/** What a sweep did, and the age of the oldest event still unpublished after it (0 when none). */
export interface SweepResult {
  orders: number;
  published: number;
  failed: string[];
  oldestUnpublishedAgeSeconds: number;
}

/**
 * What the sweep is asked: EventBridge's scheduled event (sweep past the grace), `{ orderIds }` (these
 * orders now: `ops outbox replay`), or `{ graceSeconds }` (sweep with another grace, 0 for everything).
 */
export const SweepRequest = z.union([
  z.strictObject({ orderIds: z.array(z.string().min(1)).min(1).max(1000) }),
  z.strictObject({ graceSeconds: z.number().int().min(0) }),
  z.looseObject({ source: z.literal("aws.events"), "detail-type": z.literal("Scheduled Event") }).transform(() => ({})),
]);
export type SweepRequest = { orderIds: string[] } | { graceSeconds?: number };

/** Stop before the invocation's timeout, with time to mark what is being published. */
const TIME_RESERVE_MS = 10_000;
/** Consecutive failed orders after which a run stops: SNS or the key is down, not one order. */
const MAX_CONSECUTIVE_FAILURES = 5;

/** Publishes the given orders' pending events, or every order listed past the grace. */
/** Partitions swept side by side: a backlog drains several times faster than one at a time. */
const PARTITIONS_AT_ONCE = 4;

/**
 * Publishes the given orders' pending events, or every order listed past the grace. Partitions are
 * swept PARTITIONS_AT_ONCE at a time, starting each run at another one (by the minute), so that
 * when time runs out or SNS fails, the same partitions are not always the ones left for later.
 */
export async function sweep(deps: SweepDeps, request: SweepRequest): Promise<SweepResult> {
  const now = (deps.now ?? (() => new Date()))();
  const result: SweepResult = { orders: 0, published: 0, failed: [], oldestUnpublishedAgeSeconds: 0 };
  const graceSeconds = ("graceSeconds" in request ? request.graceSeconds : undefined) ?? deps.graceSeconds;
  const until = new Date(now.getTime() - graceSeconds * 1000).toISOString();
  let consecutiveFailures = 0;
  let stopped = false;

  /** Publishes one order; answers false once the run must stop. */
  async function publishOne(orderId: string): Promise<boolean> {
    if (stopped) return false;
    if (deps.remainingMs() < TIME_RESERVE_MS) {
      logger.warn("sweep stopped before the function's timeout; the next run goes on", { orders: result.orders });
      stopped = true;
      return false;
    }
    result.orders++;
    try {
      const published = await publishPending(deps, orderId);
      result.published += published.length;
      consecutiveFailures = 0;
    } catch (error) {
      logger.error("sweep could not publish an order's events; the next run retries", {
        orderId,
        error: error as Error,
      });
      result.failed.push(orderId);
      if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES && !stopped) {
        logger.error(`sweep stopped after ${MAX_CONSECUTIVE_FAILURES} orders failed in a row`);
        stopped = true;
      }
    }
    return !stopped;
  }

  if ("orderIds" in request) {
    for (const orderId of request.orderIds) if (!(await publishOne(orderId))) break;
  } else {
    const shards = allShards();
    const first = now.getUTCMinutes() % shards.length;
    const waiting = [...shards.slice(first), ...shards.slice(0, first)];
    const sweepPartitions = async () => {
      for (let shard = waiting.shift(); shard !== undefined && !stopped; shard = waiting.shift()) {
        for await (const { orderId } of listedIn(deps, shard, until)) if (!(await publishOne(orderId))) break;
      }
    };
    await Promise.all(Array.from({ length: PARTITIONS_AT_ONCE }, sweepPartitions));
  }
  const oldest = await oldestListed(deps);
  if (oldest) result.oldestUnpublishedAgeSeconds = Math.max(0, Math.round((now.getTime() - Date.parse(oldest)) / 1000));
  return result;
}
