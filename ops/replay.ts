/**
 * `npm run ops -- replay <service> --from <time> --env <env>`: redelivers the order events the
 * topic archived since a time to one consumer's queue, through SNS message replay. The
 * same SDK calls for AWS and for the local runtime (whose SNS endpoint keeps the archive,
 * local/emulation/sns-archive.ts). What SNS documents, and this command relies on:
 *
 * - https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-topic-owner.html: the
 *   topic's `ArchivePolicy` `{"MessageRetentionPeriod": days}` keeps published messages that long.
 * - https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-subscriber.html: a replay
 *   is the subscription attribute `ReplayPolicy` `{"PointType":"Timestamp","StartingPoint":ISO,
 *   "EndingPoint":ISO}` set with SetSubscriptionAttributes; GetSubscriptionAttributes shows
 *   `ReplayStatus` Pending, In progress, Completed or Failed. Only that subscription receives the
 *   replay, filtered by its filter policy; a replayed message keeps its body, MessageId and
 *   Timestamp. Starting a replay replaces the one in progress. ReplayStatus Completed: "the replay
 *   has successfully redelivered all messages, and is now delivering newly published messages".
 * - Not documented: what a subscription receives after a replay with an EndingPoint (whether SNS
 *   pauses it, or delivers new messages meanwhile and after). A command that assumed either could
 *   lose messages or deliver everything since twice, so `--to` is refused: a replay always runs
 *   up to now, which the page documents.
 * - A replay reaches no further back than the consumers deduplicate: notification remembers sent
 *   e-mails `emailRecordDays` (never less than the archive); the others record each outcome on
 *   the order for good.
 *
 * IAM: sns:ListTopics, sns:GetTopicAttributes, sns:ListSubscriptionsByTopic,
 * sns:GetSubscriptionAttributes, sns:SetSubscriptionAttributes.
 */
import {
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SNSClientConfig,
} from "@aws-sdk/client-sns";
import { emailRecordDays, ENVIRONMENT_NAMES } from "../stacks/environments";
import { CONSUMER_SERVICES, ConsumerService } from "../contract/services";
import { OpsTarget, queueName, requireService, resolveTarget } from "./target";
import { DEFAULT_PORTS, LOCAL_CREDENTIALS, snsPort } from "../contract/local-endpoints";
import { parseCommandLine, UsageError } from "./cli";

class ReplayError extends Error {}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;
const TERMINAL = ["Completed", "Failed"];

function time(value: string, option: string): Date {
  const parsed = new Date(value);
  if (!ISO.test(value) || Number.isNaN(parsed.getTime()))
    throw new UsageError(`${option} must be an ISO 8601 time with a zone (e.g. 2026-05-04T09:00:00Z), got "${value}"`);
  return parsed;
}

export interface ReplayRequest {
  target: OpsTarget;
  service: ConsumerService;
  from: Date;
}

/** Checks the arguments, without calling anything: a usage error is exit 2. */
export function replayRequest(argv: string[], vars: NodeJS.ProcessEnv = process.env, now = new Date()): ReplayRequest {
  const args = parseCommandLine(argv, { env: { type: "string" }, from: { type: "string" }, to: { type: "string" } });
  if (args.values.to !== undefined)
    throw new UsageError(
      "--to is refused: SNS does not document what the subscription receives after a replay that ends before now " +
        "(paused, or new messages as usual), so a bounded replay could lose messages or deliver them twice; " +
        "replay up to now instead (the consumers deduplicate what they already handled)",
    );
  const [service, ...extra] = args.positionals;
  if (service === undefined) throw new UsageError(`name a service: one of ${CONSUMER_SERVICES.join(", ")}`);
  if (extra.length > 0) throw new UsageError(`one service at a time (got ${args.positionals.join(", ")})`);
  const { env } = args.values;
  if (env === undefined) throw new UsageError(`--env is required: one of ${ENVIRONMENT_NAMES.join(", ")}`);
  if (args.values.from === undefined) throw new UsageError("--from is required");
  const target = resolveTarget(env, vars);
  const days = target.settings.snsArchiveRetentionDays;
  if (days === 0)
    throw new UsageError(`${env} keeps no archive (snsArchiveRetentionDays 0): there is nothing to replay from`);
  const from = time(args.values.from, "--from");
  if (from >= now) throw new UsageError("--from must be before now");
  const oldest = new Date(now.getTime() - days * DAY_MS);
  if (from < oldest)
    throw new UsageError(
      `--from is older than ${env}'s archive (${days} days): ${oldest.toISOString()} at the earliest`,
    );
  const refusal = dedupeRefusal(from, now, days, emailRecordDays(target.settings));
  if (refusal) throw new UsageError(refusal);
  return { target, service: requireService(service), from };
}

/**
 * Why a window reaching back to `from` cannot be replayed safely: the notification service
 * remembers sent e-mails `dedupeDays`, so a replay from further back would e-mail again.
 */
export function dedupeRefusal(from: Date, now: Date, archiveDays: number, dedupeDays: number): string | undefined {
  if (now.getTime() - from.getTime() <= dedupeDays * DAY_MS) return undefined;
  return (
    `--from reaches further back than notification remembers sent e-mails (${dedupeDays} days; ` +
    `the archive keeps ${archiveDays}): a replay from there would e-mail customers again`
  );
}

/** The SNS client of an environment: its region and credentials, or the local runtime's SNS endpoint. */
export function snsConfig(
  target: OpsTarget,
  vars: NodeJS.ProcessEnv = process.env,
): SNSClientConfig & { region: string; endpoint?: string } {
  if (target.settings.name !== "local") return { region: target.region };
  const endpoint = vars.AWS_ENDPOINT_URL_SNS ?? `http://localhost:${snsPort(DEFAULT_PORTS.aws)}`;
  return { region: target.region, credentials: LOCAL_CREDENTIALS, endpoint };
}

async function findTopic(sns: SNSClient, name: string, where: string): Promise<string> {
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListTopicsCommand({ NextToken }));
    const found = page.Topics?.find((t) => t.TopicArn?.endsWith(`:${name}`));
    if (found?.TopicArn) return found.TopicArn;
    NextToken = page.NextToken;
  } while (NextToken);
  throw new ReplayError(`topic ${name} does not exist in ${where}`);
}

async function findSubscription(sns: SNSClient, topicArn: string, queueArn: string): Promise<string> {
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }));
    const found = page.Subscriptions?.find((s) => s.Endpoint === queueArn);
    if (found?.SubscriptionArn) return found.SubscriptionArn;
    NextToken = page.NextToken;
  } while (NextToken);
  throw new ReplayError(`queue ${queueArn} is not subscribed to ${topicArn}`);
}

export interface ReplayOptions {
  print?: (line: string) => void;
  pollMs?: number;
  now?: () => Date;
}

/** Sets the ReplayPolicy and waits for ReplayStatus to end; answers it. */
async function replayAndWait(
  sns: SNSClient,
  subscriptionArn: string,
  policy: Record<string, string>,
  options: Required<ReplayOptions>,
): Promise<string> {
  const text = JSON.stringify(policy);
  await sns.send(
    new SetSubscriptionAttributesCommand({
      SubscriptionArn: subscriptionArn,
      AttributeName: "ReplayPolicy",
      AttributeValue: text,
    }),
  );
  let shown: string | undefined;
  for (;;) {
    const { Attributes = {} } = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: subscriptionArn }),
    );
    // A status read before SNS took the new policy would be the previous replay's.
    const ours = Attributes.ReplayPolicy !== undefined && samePolicy(Attributes.ReplayPolicy, policy);
    const status = ours ? (Attributes.ReplayStatus ?? "Pending") : "Pending";
    if (status !== shown) options.print(`  ${status}`);
    shown = status;
    if (TERMINAL.includes(status)) return status;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}

function samePolicy(text: string, policy: Record<string, string>): boolean {
  try {
    const read = JSON.parse(text) as Record<string, string>;
    const instant = (v?: string) => (v === undefined ? undefined : Date.parse(v));
    return (
      read.PointType === policy.PointType &&
      instant(read.StartingPoint) === instant(policy.StartingPoint) &&
      instant(read.EndingPoint) === instant(policy.EndingPoint)
    );
  } catch {
    return false;
  }
}

export async function runReplay(request: ReplayRequest, options: ReplayOptions = {}): Promise<void> {
  const settled: Required<ReplayOptions> = {
    print: options.print ?? ((line) => console.log(line)),
    pollMs: options.pollMs ?? (request.target.settings.name === "local" ? 200 : 5000),
    now: options.now ?? (() => new Date()),
  };
  const { target, service, from } = request;
  const config = snsConfig(target);
  const where = `${target.settings.name} (${config.endpoint ?? target.region})`;
  const sns = new SNSClient(config);
  try {
    const prefix = target.settings.namePrefix;
    const topicArn = await findTopic(sns, `${prefix}-order-events.fifo`, where);
    const { Attributes: topic = {} } = await sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
    const days = Number(
      (JSON.parse(topic.ArchivePolicy || "{}") as { MessageRetentionPeriod?: unknown }).MessageRetentionPeriod ?? 0,
    );
    if (!(days > 0)) throw new ReplayError(`${topicArn} has no ArchivePolicy in ${where}: is the stack deployed?`);
    const beginning = topic.BeginningArchiveTime ? new Date(topic.BeginningArchiveTime) : undefined;
    if (beginning && from < beginning)
      throw new ReplayError(`--from is before the topic's archive begins (${beginning.toISOString()})`);
    const [, , , region, account] = topicArn.split(":");
    const queue = queueName(target.settings, service);
    const subscriptionArn = await findSubscription(sns, topicArn, `arn:aws:sqs:${region}:${account}:${queue}`);
    settled.print(`replay into ${queue} in ${where}: messages of ${from.toISOString()} to now`);
    const policy = { PointType: "Timestamp", StartingPoint: from.toISOString() };
    const status = await replayAndWait(sns, subscriptionArn, policy, settled);
    if (status !== "Completed") throw new ReplayError(`the replay into ${queue} ended ${status}`);
  } finally {
    sns.destroy();
  }
}
