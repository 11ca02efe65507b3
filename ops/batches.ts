/**
 * DynamoDB's batch calls answer what they did not get to (UnprocessedKeys, UnprocessedItems)
 * instead of failing; these helpers send the rest again, with backoff, a bounded number of times.
 */
import { drain, RetryPolicy } from "../lambda-src/shared/retry";

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 50, maxDelayMs: 5_000 };

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class NotDrainedError extends Error {
  constructor(
    readonly what: string,
    readonly remaining: number,
    attempts: number,
  ) {
    super(`${remaining} ${what} still unprocessed after ${attempts} attempts (the table is throttling requests)`);
    this.name = "NotDrainedError";
  }
}

/**
 * Calls `send` with `pending`, then again with whatever it answers as unprocessed, until nothing
 * is left; throws NotDrainedError when `policy.attempts` calls did not drain it.
 */
export async function untilDrained<T>(
  what: string,
  pending: T[],
  send: (batch: T[]) => Promise<T[]>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<void> {
  const left = await drain(policy, pending, send);
  if (left.length > 0) throw new NotDrainedError(what, left.length, policy.attempts);
}
