/** A queue's redrive policy, as the poller and the message move tasks read it from the plan. */
export interface Redrive {
  maxReceiveCount: number;
  /** Queue name. */
  deadLetterQueue: string;
}

/** A queue's redrive policy as the plan declares it (its RedrivePolicy attribute), if it has one. */
export function redriveOf(queue: {
  attributes?: Record<string, string>;
  deadLetterQueue?: string;
}): Redrive | undefined {
  const policy = queue.attributes?.RedrivePolicy;
  if (!policy) return undefined;
  const { maxReceiveCount, deadLetterTargetArn } = JSON.parse(policy) as {
    maxReceiveCount?: unknown;
    deadLetterTargetArn?: unknown;
  };
  const count = Number(maxReceiveCount);
  const name =
    queue.deadLetterQueue ?? (typeof deadLetterTargetArn === "string" ? deadLetterTargetArn : "").split(":").pop();
  return Number.isInteger(count) && count > 0 && name ? { maxReceiveCount: count, deadLetterQueue: name } : undefined;
}
