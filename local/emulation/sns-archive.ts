/**
 * SNS FIFO message archiving and replay, which fauxqs lacks, as AWS documents it:
 *
 * - Topic owner (https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-topic-owner.html):
 *   a FIFO topic with `ArchivePolicy` `{"MessageRetentionPeriod": days}` (1 to 365) keeps every
 *   message published to it for that many days.
 * - Subscriber (https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-subscriber.html):
 *   the subscription attribute `ReplayPolicy` `{"PointType": "Timestamp", "StartingPoint": ISO,
 *   "EndingPoint": ISO (optional)}`, set with SetSubscriptionAttributes, redelivers the archived
 *   messages of that window to that subscription only, after applying the subscription's filter
 *   policy; a replayed message keeps its content, MessageId and Timestamp and carries
 *   `"Replayed": true`. `ReplayStatus` reads Pending (while the replay starts), In progress,
 *   Completed or Failed. Starting a replay replaces the one in progress. Without EndingPoint the
 *   replay catches up to the present and the subscription goes on as before.
 *
 * Not documented, so not modelled: what a subscription receives after a replay WITH an
 * EndingPoint (paused, or new messages as usual); locally fauxqs keeps delivering. The operator
 * command (ops/replay.ts) refuses such a replay for that reason.
 *
 * FIFO: a replayed message keeps its MessageGroupId, and the archive's order is publish order, so an
 * order's events are replayed in their order. SNS documents the outcome (the archived messages are
 * redelivered, even right after they were first delivered) but not the deduplication id it hands
 * the queue; the original id would make SQS drop every copy inside its 5-minute window, so the
 * local replay sends `<replay number>:<original id>`: one copy per replay, never dropped as a
 * duplicate of the original. Consumers deduplicate on the eventId in the body, which is unchanged.
 */
export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface ArchivedMessage {
  topicArn: string;
  messageId: string;
  body: string;
  attributes: Record<string, MessageAttribute>;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  /** Epoch milliseconds. */
  publishedAt: number;
}

/** A subscription as fauxqs describes it (GetSubscriptionAttributes). */
export interface SubscriptionView {
  arn: string;
  topicArn: string;
  /** The queue ARN. */
  endpoint: string;
  attributes: Record<string, string>;
}

export interface Delivery {
  queueArn: string;
  body: string;
  attributes: Record<string, MessageAttribute>;
  messageGroupId?: string;
  messageDeduplicationId?: string;
}

/** A subscription's filter policy, as its attributes carry it. */
export interface SubscriptionFilterPolicy {
  /** The `FilterPolicy` JSON text. */
  policy: string;
  /** `FilterPolicyScope`, when set (SNS's default is MessageAttributes). */
  scope?: string;
}

/** Which archived messages pass a subscription's filter policy, for the length of one replay. */
export interface ReplayFilter {
  matches(message: ArchivedMessage): Promise<boolean>;
  close(): Promise<void>;
}

export type ReplayStatus = "Pending" | "In progress" | "Completed" | "Failed";

export interface ReplayWindow {
  from: number;
  /** Absent: up to the present. */
  to?: number;
}

/** An SNS `InvalidParameter`: the endpoint answers it as SNS would (HTTP 400). */
export class ReplayPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReplayPolicyError";
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** SNS FIFO deduplication interval: a publish repeating a deduplication id inside it is not a new message. */
const DEDUPLICATION_MS = 5 * 60 * 1000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function timestamp(value: unknown, field: string): number {
  if (typeof value !== "string" || !ISO.test(value) || Number.isNaN(Date.parse(value)))
    throw new ReplayPolicyError(`ReplayPolicy: ${field} must be an ISO 8601 timestamp, got ${JSON.stringify(value)}`);
  return Date.parse(value);
}

/** The window of a `ReplayPolicy` JSON text. */
export function parseReplayPolicy(text: string): ReplayWindow {
  let policy: Record<string, unknown>;
  try {
    policy = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new ReplayPolicyError(`ReplayPolicy is not JSON: ${text}`);
  }
  if (typeof policy !== "object" || policy === null || Array.isArray(policy))
    throw new ReplayPolicyError(`ReplayPolicy must be a JSON object`);
  const unknown = Object.keys(policy).filter((k) => !["PointType", "StartingPoint", "EndingPoint"].includes(k));
  if (unknown.length > 0) throw new ReplayPolicyError(`ReplayPolicy: unknown field ${unknown.join(", ")}`);
  if (policy.PointType !== "Timestamp") throw new ReplayPolicyError(`ReplayPolicy: PointType must be "Timestamp"`);
  const from = timestamp(policy.StartingPoint, "StartingPoint");
  if (policy.EndingPoint === undefined) return { from };
  const to = timestamp(policy.EndingPoint, "EndingPoint");
  if (to <= from) throw new ReplayPolicyError(`ReplayPolicy: EndingPoint must be after StartingPoint`);
  return { from, to };
}

interface Replay {
  policy: string;
  status: ReplayStatus;
  /** Which replay of the archive this is: a newer one replaces it. */
  number: number;
}

export interface ArchiveDependencies {
  /** The subscription's current attributes (fauxqs's), or undefined when it does not exist. */
  subscription(arn: string): Promise<SubscriptionView | undefined>;
  deliver(delivery: Delivery): Promise<void>;
  /** Called when a replay starts, for a subscription that has a filter policy; closed when it ends. */
  openFilter(filter: SubscriptionFilterPolicy): Promise<ReplayFilter>;
  now?: () => number;
}

/** Every message published to the archived topics, kept for their retention, and the replays. */
export class SnsArchive {
  private readonly kept: ArchivedMessage[] = [];
  private readonly replays = new Map<string, Replay>();
  private replayCount = 0;
  private readonly now: () => number;

  /** `retentionDays`: by topic ARN, the topics that keep an archive. */
  constructor(
    private readonly retentionDays: ReadonlyMap<string, number>,
    private readonly deps: ArchiveDependencies,
  ) {
    this.now = deps.now ?? Date.now;
  }

  archives(topicArn: string): boolean {
    return this.retentionDays.has(topicArn);
  }

  /** The earliest time a replay of the topic may start from (BeginningArchiveTime, roughly). */
  beginning(topicArn: string): number {
    return this.now() - (this.retentionDays.get(topicArn) ?? 0) * DAY_MS;
  }

  /** Keeps a message SNS accepted (a repeat of a deduplication id inside 5 minutes is not kept twice). */
  record(message: Omit<ArchivedMessage, "publishedAt">): void {
    if (!this.archives(message.topicArn)) return;
    this.expire();
    const now = this.now();
    const repeat =
      message.messageDeduplicationId !== undefined &&
      this.kept.some(
        (m) =>
          m.topicArn === message.topicArn &&
          m.messageDeduplicationId === message.messageDeduplicationId &&
          now - m.publishedAt < DEDUPLICATION_MS,
      );
    if (!repeat) this.kept.push({ ...message, publishedAt: now });
  }

  /** The archived messages of a topic inside a window, in publish order. */
  messages(topicArn: string, window: ReplayWindow = { from: 0 }): ArchivedMessage[] {
    this.expire();
    const to = window.to ?? this.now();
    return this.kept.filter((m) => m.topicArn === topicArn && m.publishedAt >= window.from && m.publishedAt <= to);
  }

  /** ReplayPolicy and ReplayStatus of a subscription that has had a replay. */
  replayAttributes(subscriptionArn: string): Record<string, string> {
    const replay = this.replays.get(subscriptionArn);
    return replay ? { ReplayPolicy: replay.policy, ReplayStatus: replay.status } : {};
  }

  /**
   * Validates the policy and starts the replay (status Pending); the redelivery runs after this
   * returns, as SNS's does after SetSubscriptionAttributes answers. `done` settles when it ends.
   */
  async startReplay(subscriptionArn: string, policy: string): Promise<{ done: Promise<void> }> {
    const window = parseReplayPolicy(policy);
    const subscription = await this.deps.subscription(subscriptionArn);
    if (!subscription) throw new ReplayPolicyError(`subscription ${subscriptionArn} does not exist`);
    if (!this.archives(subscription.topicArn))
      throw new ReplayPolicyError(`topic ${subscription.topicArn} has no ArchivePolicy: there is nothing to replay`);
    if (window.from < this.beginning(subscription.topicArn))
      throw new ReplayPolicyError(
        `ReplayPolicy: StartingPoint is before the topic's archive begins (${new Date(this.beginning(subscription.topicArn)).toISOString()})`,
      );
    if (window.from > this.now()) throw new ReplayPolicyError(`ReplayPolicy: StartingPoint is in the future`);
    const replay: Replay = { policy, status: "Pending", number: ++this.replayCount };
    this.replays.set(subscriptionArn, replay);
    const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
      this.run(subscription, window, replay),
    );
    return { done };
  }

  private async run(subscription: SubscriptionView, window: ReplayWindow, replay: Replay): Promise<void> {
    const current = () => this.replays.get(subscription.arn) === replay;
    if (!current()) return;
    replay.status = "In progress";
    try {
      const { FilterPolicy, FilterPolicyScope } = subscription.attributes;
      const filter = FilterPolicy
        ? await this.deps.openFilter({ policy: FilterPolicy, scope: FilterPolicyScope })
        : undefined;
      try {
        // Chosen when the replay starts: a message published later reaches the queue live.
        for (const message of this.messages(subscription.topicArn, window)) {
          if (!current()) return; // replaced by a newer replay
          if (filter && !(await filter.matches(message))) continue;
          await this.deps.deliver(this.delivery(subscription, message, replay.number));
        }
      } finally {
        await filter?.close();
      }
      if (current()) replay.status = "Completed";
    } catch {
      if (current()) replay.status = "Failed";
    }
  }

  private delivery(subscription: SubscriptionView, message: ArchivedMessage, replayNumber: number): Delivery {
    const raw = subscription.attributes.RawMessageDelivery === "true";
    return {
      queueArn: subscription.endpoint,
      body: raw ? message.body : envelope(subscription, message),
      attributes: raw ? message.attributes : {},
      messageGroupId: message.messageGroupId,
      messageDeduplicationId:
        message.messageDeduplicationId === undefined
          ? undefined
          : `${replayNumber}:${message.messageDeduplicationId}`.slice(0, 128),
    };
  }

  private expire(): void {
    const now = this.now();
    for (let i = this.kept.length - 1; i >= 0; i--) {
      const m = this.kept[i];
      if (now - m.publishedAt > (this.retentionDays.get(m.topicArn) ?? 0) * DAY_MS) this.kept.splice(i, 1);
    }
  }
}

/** The JSON notification SNS delivers without raw message delivery, marked as replayed. */
function envelope(subscription: SubscriptionView, message: ArchivedMessage): string {
  const attributes = Object.fromEntries(
    Object.entries(message.attributes).map(([name, a]) => [
      name,
      { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? "" },
    ]),
  );
  return JSON.stringify({
    Type: "Notification",
    MessageId: message.messageId,
    TopicArn: message.topicArn,
    Message: message.body,
    Timestamp: new Date(message.publishedAt).toISOString(),
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscription.arn}`,
    ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
    Replayed: true,
  });
}

/** Archived attributes as the SDK sends them: the query protocol carried a binary value base64-encoded. */
export function sdkMessageAttributes(
  attributes: Record<string, MessageAttribute>,
): Record<string, { DataType: string; StringValue?: string; BinaryValue?: Uint8Array }> {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, a]) => [
      name,
      {
        DataType: a.DataType,
        StringValue: a.StringValue,
        BinaryValue: a.BinaryValue === undefined ? undefined : Buffer.from(a.BinaryValue, "base64"),
      },
    ]),
  );
}
