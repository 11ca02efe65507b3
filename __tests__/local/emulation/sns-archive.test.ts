import {
  Delivery,
  parseReplayPolicy,
  ReplayPolicyError,
  SnsArchive,
  SubscriptionView,
} from "../../../local/emulation/sns-archive";

const TOPIC = "arn:aws:sns:us-east-1:000000000000:t-order-events.fifo";
const QUEUE = "arn:aws:sqs:us-east-1:000000000000:t-billing.fifo";
const HOUR = 60 * 60 * 1000;
const T0 = Date.parse("2026-05-04T09:00:00Z");

function setup(attributes: Record<string, string> = { RawMessageDelivery: "true" }) {
  let now = T0;
  const delivered: Delivery[] = [];
  const subscription: SubscriptionView = { arn: `${TOPIC}:sub-1`, topicArn: TOPIC, endpoint: QUEUE, attributes };
  const filtered: unknown[] = [];
  const filters = { opened: 0, closed: 0 };
  const archive = new SnsArchive(new Map([[TOPIC, 1]]), {
    now: () => now,
    subscription: (arn) => Promise.resolve(arn === subscription.arn ? subscription : undefined),
    deliver: (d) => Promise.resolve(void delivered.push(d)),
    // A stand-in filter: eventType equality (the real one is fauxqs's fan-out, exercised end to end).
    openFilter: ({ policy }) => {
      filters.opened++;
      const parsed = JSON.parse(policy) as { eventType: string[] };
      return Promise.resolve({
        matches: (message) => {
          filtered.push(parsed);
          return Promise.resolve(parsed.eventType.includes(message.attributes.eventType?.StringValue ?? ""));
        },
        close: () => Promise.resolve(void filters.closed++),
      });
    },
  });
  const publish = (orderId: string, type: string, at: number) => {
    now = at;
    archive.record({
      topicArn: TOPIC,
      messageId: `m-${orderId}-${type}`,
      body: JSON.stringify({ orderId, type }),
      attributes: { eventType: { DataType: "String", StringValue: type } },
      messageGroupId: orderId,
      messageDeduplicationId: `${orderId}:${type}`,
    });
  };
  return { archive, delivered, filtered, filters, subscription, publish, setNow: (t: number) => (now = t) };
}

const policy = (from: number, to?: number) =>
  JSON.stringify({
    PointType: "Timestamp",
    StartingPoint: new Date(from).toISOString(),
    ...(to ? { EndingPoint: new Date(to).toISOString() } : {}),
  });

describe("the local SNS archive", () => {
  it("keeps what archived topics publish, once per deduplication id inside 5 minutes, and nothing of other topics", () => {
    const { archive, publish } = setup();
    publish("o-1", "OrderPlaced", T0);
    publish("o-1", "OrderPlaced", T0 + 60_000); // a retried publish: SNS accepts but does not deliver it
    archive.record({
      topicArn: "arn:aws:sns:us-east-1:000000000000:other",
      messageId: "x",
      body: "{}",
      attributes: {},
    });
    expect(archive.messages(TOPIC).map((m) => m.messageId)).toEqual(["m-o-1-OrderPlaced"]);
    expect(archive.messages("arn:aws:sns:us-east-1:000000000000:other")).toEqual([]);
  });

  it("forgets a message after the retention period", () => {
    const { archive, publish, setNow } = setup();
    publish("o-1", "OrderPlaced", T0);
    publish("o-2", "OrderPlaced", T0 + 2 * HOUR);
    setNow(T0 + 24 * HOUR + 1);
    expect(archive.messages(TOPIC).map((m) => m.messageGroupId)).toEqual(["o-2"]);
  });

  it("replays the window only, in publish order, keeping group ids, with a deduplication id SQS will not drop", async () => {
    const { archive, publish, delivered, subscription } = setup();
    publish("o-1", "OrderPlaced", T0);
    publish("o-2", "OrderPlaced", T0 + HOUR);
    publish("o-2", "OrderCancelled", T0 + HOUR + 1000);
    publish("o-3", "OrderPlaced", T0 + 3 * HOUR);
    const { done } = await archive.startReplay(subscription.arn, policy(T0 + HOUR, T0 + 2 * HOUR));
    await done;
    expect(delivered.map((d) => [d.messageGroupId, JSON.parse(d.body).type])).toEqual([
      ["o-2", "OrderPlaced"],
      ["o-2", "OrderCancelled"],
    ]);
    expect(delivered[0]).toMatchObject({
      queueArn: QUEUE,
      attributes: { eventType: { DataType: "String", StringValue: "OrderPlaced" } },
      messageDeduplicationId: "1:o-2:OrderPlaced",
    });
  });

  it("applies the subscription's filter policy, through one filter per replay closed when it ends", async () => {
    const filter = JSON.stringify({ eventType: ["OrderCancelled"] });
    const { archive, publish, delivered, filtered, filters, subscription } = setup({
      RawMessageDelivery: "true",
      FilterPolicy: filter,
    });
    publish("o-1", "OrderPlaced", T0);
    publish("o-1", "OrderCancelled", T0 + 1000);
    await (
      await archive.startReplay(subscription.arn, policy(T0))
    ).done;
    expect(filtered).toEqual([JSON.parse(filter), JSON.parse(filter)]);
    expect(delivered.map((d) => JSON.parse(d.body).type)).toEqual(["OrderCancelled"]);
    expect(filters).toEqual({ opened: 1, closed: 1 });
  });

  it("opens no filter for a subscription without a filter policy", async () => {
    const { archive, publish, delivered, filters, subscription } = setup();
    publish("o-1", "OrderPlaced", T0);
    await (
      await archive.startReplay(subscription.arn, policy(T0))
    ).done;
    expect(delivered).toHaveLength(1);
    expect(filters).toEqual({ opened: 0, closed: 0 });
  });

  it("wraps a replayed message in the notification, marked Replayed, without raw delivery", async () => {
    const { archive, publish, delivered, subscription } = setup({});
    publish("o-1", "OrderPlaced", T0);
    await (
      await archive.startReplay(subscription.arn, policy(T0))
    ).done;
    expect(JSON.parse(delivered[0].body)).toMatchObject({
      Type: "Notification",
      MessageId: "m-o-1-OrderPlaced",
      Timestamp: new Date(T0).toISOString(),
      Replayed: true,
    });
  });

  it("goes Pending, In progress, Completed; Failed when a delivery fails", async () => {
    const { archive, publish, subscription } = setup();
    publish("o-1", "OrderPlaced", T0);
    const { done } = await archive.startReplay(subscription.arn, policy(T0));
    expect(archive.replayAttributes(subscription.arn)).toEqual({ ReplayPolicy: policy(T0), ReplayStatus: "Pending" });
    await done;
    expect(archive.replayAttributes(subscription.arn).ReplayStatus).toBe("Completed");

    let fail: (error: Error) => void = () => undefined;
    let delivering: () => void = () => undefined;
    const inDelivery = new Promise<void>((resolve) => (delivering = resolve));
    const failing = new SnsArchive(new Map([[TOPIC, 1]]), {
      now: () => T0,
      subscription: () => Promise.resolve(subscription),
      deliver: () => {
        delivering();
        return new Promise((_, reject) => (fail = reject));
      },
      openFilter: () => Promise.reject(new Error("the subscription has no filter policy")),
    });
    failing.record({
      topicArn: TOPIC,
      messageId: "m",
      body: "{}",
      attributes: {},
      messageGroupId: "g",
      messageDeduplicationId: "d",
    });
    const statuses: string[] = [];
    const started = await failing.startReplay(subscription.arn, policy(T0 - 1000));
    statuses.push(failing.replayAttributes(subscription.arn).ReplayStatus);
    await inDelivery;
    statuses.push(failing.replayAttributes(subscription.arn).ReplayStatus);
    fail(new Error("queue gone"));
    await started.done;
    statuses.push(failing.replayAttributes(subscription.arn).ReplayStatus);
    expect(statuses).toEqual(["Pending", "In progress", "Failed"]);
  });

  it("refuses a policy SNS would refuse, naming what is wrong", async () => {
    const { archive, subscription } = setup();
    const refused = (text: string) => archive.startReplay(subscription.arn, text);
    await expect(refused("{")).rejects.toThrow(ReplayPolicyError);
    await expect(
      refused(JSON.stringify({ PointType: "Offset", StartingPoint: "2026-05-04T09:00:00Z" })),
    ).rejects.toThrow(/PointType/);
    await expect(refused(policy(T0, T0 - 1000))).rejects.toThrow(/EndingPoint must be after/);
    await expect(refused(policy(T0 - 25 * HOUR))).rejects.toThrow(/before the topic's archive begins/);
    await expect(archive.startReplay("arn:nope", policy(T0 - 1000))).rejects.toThrow(/does not exist/);
    expect(() => parseReplayPolicy(JSON.stringify({ PointType: "Timestamp", StartingPoint: "yesterday" }))).toThrow(
      /StartingPoint must be an ISO 8601 timestamp/,
    );
  });
});
