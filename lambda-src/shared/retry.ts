/**
 * Retrying with capped exponential backoff and full jitter: retry n waits a random time up to
 * min(maxDelayMs, baseDelayMs × 2^(n-1)) (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 * DynamoDB asks for backoff when a batch call leaves entries unprocessed and when transactions
 * conflict (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html).
 * Each caller passes its own policy. The SDK's retry strategies (@smithy/util-retry) decide from
 * the SDK's classification of an error and spend a retry quota shared by the client, so they
 * retry neither unprocessed batch entries (not errors) nor a TransactionConflict (not transient to
 * the SDK).
 */

export interface RetryPolicy {
  /** Calls in all, the first included. */
  readonly attempts: number;
  /** The n-th retry waits a random time up to baseDelayMs × 2^(n-1), at most maxDelayMs ("full jitter"). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The longest wait before retry `retry` (1: the second call). */
export function backoffCeilingMs(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
}

/**
 * Calls `attempt` until it answers true, at most `policy.attempts` times, waiting the backoff before
 * every call but the first; answers whether a call succeeded. An error `attempt` throws ends it.
 */
export async function retryWithBackoff(policy: RetryPolicy, attempt: () => Promise<boolean>): Promise<boolean> {
  for (let call = 1; call <= policy.attempts; call++) {
    if (call > 1)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * backoffCeilingMs(policy, call - 1)));
    if (await attempt()) return true;
  }
  return false;
}

/**
 * Calls `send` with `pending`, then with whatever it answers it did not get to, until nothing is
 * left or the policy's attempts are spent (DynamoDB's UnprocessedKeys and UnprocessedItems); answers
 * what is left, empty when drained.
 */
export async function drain<T>(policy: RetryPolicy, pending: T[], send: (batch: T[]) => Promise<T[]>): Promise<T[]> {
  if (pending.length === 0) return pending;
  await retryWithBackoff(policy, async () => {
    pending = await send(pending);
    return pending.length === 0;
  });
  return pending;
}
