/**
 * Sending inside the account's SES rate. SES refuses sends above its maximum send rate with
 * TooManyRequestsException ("Maximum sending rate exceeded"); at a peak, an e-mail per order is
 * far more than that rate, and a refused send that failed its message would spend the message's
 * receives and reach the DLQ. So every execution environment sends at most its share of the rate
 * (the rate ÷ the most environments the queue's mapping runs), waiting for its turn, and the rest
 * of a peak waits in the queue. What still gets throttled (another sender in the account) is
 * tried three times in all, 100 and 200 ms apart (lambda-src/shared/clients.ts), then the message
 * fails and SQS delivers it again after its visibility timeout.
 * https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html
 */
export interface SendRate {
  /** The account's SES maximum send rate, e-mails/s. */
  readonly maxSendRate: number;
  /** Execution environments sending at once (the mapping's maximum concurrency). */
  readonly senders: number;
}

/** Milliseconds between two sends of one execution environment. */
export function sendIntervalMs(rate: SendRate): number {
  if (!(rate.maxSendRate > 0) || !Number.isInteger(rate.senders) || rate.senders < 1)
    throw new Error(`an SES send rate needs maxSendRate > 0 and senders ≥ 1, got ${JSON.stringify(rate)}`);
  return (1000 * rate.senders) / rate.maxSendRate;
}
