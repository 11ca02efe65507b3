/**
 * The replay filter against live delivery: fauxqs (a process of its own) delivers each message
 * through a live subscription with a filter policy, and the probe of the same policy must let
 * through exactly the messages live delivery did. The real case is the review subscription's
 * policy from the local plan; the others cover the operators and the MessageBody scope.
 */
import { ListTopicsCommand, PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { ListQueuesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { Emulator } from "../../../local/emulation/emulators";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../contract/local-endpoints";
import { openFilterProbe, subscribedQueue } from "../../../local/emulation/filter-probe";
import { ArchivedMessage, MessageAttribute, sdkMessageAttributes } from "../../../local/emulation/sns-archive";
import { loadPlan } from "../../../local/plan/plan";
import { startFauxqsProcess } from "../../support/fauxqs-process";
import { LOCAL_TEST_ACCOUNT, localPlanForTests } from "../../support/synth";

const PORT = 4944;
let fauxqs: Emulator;
let sns: SNSClient;
let sqs: SQSClient;

beforeAll(async () => {
  fauxqs = await startFauxqsProcess(PORT);
  const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: fauxqs.endpoint };
  sns = new SNSClient(config);
  sqs = new SQSClient(config);
}, 30_000);

afterAll(async () => {
  sns?.destroy();
  sqs?.destroy();
  await fauxqs?.stop();
});

const text = (value: string): MessageAttribute => ({ DataType: "String", StringValue: value });
const number = (value: number): MessageAttribute => ({ DataType: "Number", StringValue: String(value) });

function message(id: string, attributes: Record<string, MessageAttribute>, body: unknown = { id }): ArchivedMessage {
  return { topicArn: "", messageId: id, body: JSON.stringify(body), attributes, publishedAt: 0 };
}

/** The ids of the messages live delivery lets through `filter`, and of those the probe lets through. */
async function liveAndProbe(
  name: string,
  filter: { policy: string; scope?: string },
  messages: ArchivedMessage[],
): Promise<{ live: string[]; probe: string[] }> {
  const { topicArn, queueUrl } = await subscribedQueue({ sns, sqs }, `live-${name}`, {
    FilterPolicy: filter.policy,
    RawMessageDelivery: "true",
    ...(filter.scope ? { FilterPolicyScope: filter.scope } : {}),
  });
  for (const m of messages)
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Message: m.body,
        MessageAttributes: sdkMessageAttributes(m.attributes),
      }),
    );
  const live: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    if (Messages.length === 0) break;
    live.push(...Messages.map((m) => (JSON.parse(m.Body!) as { id: string }).id));
  }
  const probe = await openFilterProbe({ sns, sqs }, filter);
  const passed: string[] = [];
  for (const m of messages) if (await probe.matches(m)) passed.push(m.messageId);
  await probe.close();
  return { live: live.sort(), probe: passed.sort() };
}

it("lets through what live delivery lets through the review subscription (the local plan's policy)", async () => {
  const review = loadPlan(localPlanForTests("filter-probe"), LOCAL_TEST_ACCOUNT).subscriptions.find((s) =>
    s.queueArn.endsWith("-review.fifo"),
  )!;
  const placed = (id: string, currency: string, totalCents: number) =>
    message(id, { eventType: text("OrderPlaced"), currency: text(currency), totalCents: number(totalCents) });
  const { live, probe } = await liveAndProbe("review", { policy: review.attributes.FilterPolicy }, [
    placed("eur-at-threshold", "EUR", 100_000),
    placed("eur-below", "EUR", 99_999),
    placed("usd-below", "USD", 100_000),
    placed("usd-at-threshold", "USD", 110_000),
    placed("gbp-above", "GBP", 85_001),
    message("large", {
      eventType: text("OrderPlaced"),
      currency: text("EUR"),
      totalCents: number(2_000_000_000),
      largeTotal: text("true"),
    }),
    message("cancelled", { eventType: text("OrderCancelled"), currency: text("EUR"), totalCents: number(1) }),
    message("rejected", { eventType: text("OrderRejected"), currency: text("GBP"), totalCents: number(1) }),
    message("no-attributes", {}),
  ]);
  expect(live).toEqual(["cancelled", "eur-at-threshold", "gbp-above", "large", "rejected", "usd-at-threshold"]);
  expect(probe).toEqual(live);
});

it("agrees with live delivery on the other operators and on the MessageBody scope", async () => {
  const attributes = {
    policy: JSON.stringify({
      eventType: [{ prefix: "Order" }],
      currency: [{ "anything-but": ["USD"] }],
      largeTotal: [{ exists: false }],
    }),
  };
  const body = {
    policy: JSON.stringify({ customer: { id: [{ suffix: "-vip" }] }, totalCents: [{ numeric: [">", 10, "<=", 20] }] }),
    scope: "MessageBody",
  };
  const cases = [
    message("match", { eventType: text("OrderPlaced"), currency: text("EUR") }, { id: "match", totalCents: 15 }),
    message("usd", { eventType: text("OrderPlaced"), currency: text("USD") }, { id: "usd", totalCents: 15 }),
    message("large", { eventType: text("OrderPlaced"), currency: text("EUR"), largeTotal: text("true") }),
    message("other", { eventType: text("Refund"), currency: text("EUR") }),
    message("vip", {}, { id: "vip", customer: { id: "c-vip" }, totalCents: 20 }),
    message("vip-over", {}, { id: "vip-over", customer: { id: "c-vip" }, totalCents: 21 }),
    message("plain", {}, { id: "plain", customer: { id: "c-1" }, totalCents: 15 }),
  ];
  for (const [name, filter] of Object.entries({ attributes, body })) {
    const { live, probe } = await liveAndProbe(name, filter, cases);
    expect(live.length).toBeGreaterThan(0);
    expect(live.length).toBeLessThan(cases.length);
    expect(probe).toEqual(live);
  }
});

it("leaves no topic or queue of its own behind", async () => {
  const probe = await openFilterProbe({ sns, sqs }, { policy: JSON.stringify({ eventType: ["OrderPlaced"] }) });
  await probe.close();
  const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
  expect([...Topics.map((t) => t.TopicArn!), ...QueueUrls].filter((n) => n.includes("replay-filter-"))).toEqual([]);
});
