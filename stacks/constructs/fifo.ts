/** Facts of SNS and SQS FIFO that the constructs enforce at synth time. */

/** Lambda reads at most 10 messages per batch from a FIFO queue. */
export const FIFO_MAX_BATCH_SIZE = 10;

/** AWS's guidance: a queue's visibility timeout at least six times its consumer's timeout. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;

/** Throws unless `name` is a valid FIFO topic or queue name. */
export function requireFifoName(what: string, name: string): void {
  if (!name.endsWith(".fifo")) {
    throw new Error(`${what} "${name}" is FIFO, so its name must end with ".fifo"`);
  }
}

/** `orders.fifo` -> `orders-dlq.fifo` */
export function deadLetterName(queueName: string): string {
  return queueName.replace(/\.fifo$/, "-dlq.fifo");
}
