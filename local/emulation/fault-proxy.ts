/**
 * The SNS endpoint the functions and operator commands are given: a pass-through to fauxqs that
 * - authorizes every request first (local/authz/gate.ts), answering a denial as SNS does;
 * - refuses Publish while a publish fault matches (all orders, or one order's message group), the
 *   way an SNS outage looks to the SDK (HTTP 500, InternalFailure);
 * - keeps what is published to an archived topic and answers the replay attributes
 *   (`ReplayPolicy`, `ReplayStatus`) itself, which fauxqs lacks (local/emulation/sns-archive.ts); everything
 *   else is fauxqs's.
 */
import * as http from "node:http";
import { forwardBuffered, readBody, writeAnswer } from "./http-forward";
import { escapeXml, Gate, snsXml } from "../authz/gate";
import { randomUUID } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { GetSubscriptionAttributesCommand } from "@aws-sdk/client-sns";
import { Faults } from "./faults";
import { AddressInfo } from "node:net";
import { MessageAttribute, ReplayPolicyError, sdkMessageAttributes, SnsArchive } from "./sns-archive";
import { openFilterProbe } from "./filter-probe";
import { LocalModel } from "../plan/plan";
import { LocalClients } from "./aws-clients";

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";
/** What a Publish gets while a publish fault matches: an SNS outage as the SDK sees it. */
const REFUSAL = snsXml(500, "InternalFailure", "Publish refused by local fault injection", "Receiver");

/** A Publish's message attributes from the query protocol's `MessageAttributes.entry.N.*` fields. */
function messageAttributes(form: URLSearchParams): Record<string, MessageAttribute> {
  const attributes: Record<string, MessageAttribute> = {};
  for (const [key, name] of form) {
    const entry = /^MessageAttributes\.entry\.(\d+)\.Name$/.exec(key);
    if (!entry) continue;
    const prefix = `MessageAttributes.entry.${entry[1]}.Value`;
    const value: MessageAttribute = { DataType: form.get(`${prefix}.DataType`) ?? "String" };
    const text = form.get(`${prefix}.StringValue`);
    const binary = form.get(`${prefix}.BinaryValue`);
    if (text !== null) value.StringValue = text;
    if (binary !== null) value.BinaryValue = binary;
    attributes[name] = value;
  }
  return attributes;
}

/**
 * The archive of the model's archived topics, delivering replays to the runtime's queues and
 * filtering them through fauxqs (local/emulation/filter-probe.ts). `clients` reach fauxqs directly.
 */
export function localSnsArchive(
  model: Pick<LocalModel, "topics">,
  clients: Pick<LocalClients, "sns" | "sqs">,
  queueUrls: ReadonlyMap<string, string>,
): SnsArchive {
  const retention = new Map(
    model.topics.filter((t) => t.archiveRetentionDays).map((t) => [t.arn, t.archiveRetentionDays!] as const),
  );
  const archive = new SnsArchive(retention, {
    openFilter: (filter) => openFilterProbe(clients, filter),
    async subscription(arn) {
      try {
        const { Attributes = {} } = await clients.sns.send(
          new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }),
        );
        return {
          arn,
          topicArn: Attributes.TopicArn ?? "",
          endpoint: Attributes.Endpoint ?? "",
          attributes: Attributes,
        };
      } catch (error) {
        if ((error as Error).name === "NotFoundException" || (error as Error).name === "NotFound") return undefined;
        throw error;
      }
    },
    async deliver(delivery) {
      const queueName = delivery.queueArn.split(":").pop()!;
      const url = queueUrls.get(queueName);
      if (!url) throw new Error(`queue ${queueName} is not part of the local plan`);
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: delivery.body,
          MessageGroupId: delivery.messageGroupId,
          MessageDeduplicationId: delivery.messageDeduplicationId,
          MessageAttributes: sdkMessageAttributes(delivery.attributes),
        }),
      );
    },
  });
  return archive;
}

/**
 * Listens on loopback, on `port` (0: a free one). The runtime serves it on its SNS port
 * (contract/local-endpoints.ts) so operator commands reach the archive too.
 */
export async function startFaultProxy(
  target: string,
  faults: Faults,
  options: { gate: Gate; archive?: SnsArchive; port?: number },
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const targetUrl = new URL(target);
  const { archive, gate } = options;

  async function answer(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse) {
    // The SDK's SNS client speaks the query protocol: a form-encoded body naming the action.
    const form = new URLSearchParams(body.toString("utf8"));
    const action = form.get("Action");
    const refusal = gate.sns(request.headers, form);
    if (refusal) {
      response.writeHead(refusal.status, refusal.headers).end(refusal.body);
      return;
    }
    if (action === "Publish" && faults.refusesPublish(form.get("MessageGroupId") ?? undefined)) {
      response.writeHead(REFUSAL.status, REFUSAL.headers).end(REFUSAL.body);
      return;
    }
    if (archive && action === "PublishBatch" && archive.archives(form.get("TopicArn") ?? "")) {
      const refusal = snsXml(
        400,
        "InvalidParameter",
        "PublishBatch to an archived topic is not supported locally: use Publish",
      );
      response.writeHead(refusal.status, refusal.headers).end(refusal.body);
      return;
    }
    const subscriptionArn = form.get("SubscriptionArn") ?? "";
    if (archive && action === "SetSubscriptionAttributes" && form.get("AttributeName") === "ReplayPolicy") {
      try {
        await archive.startReplay(subscriptionArn, form.get("AttributeValue") ?? "");
        const ok = `<SetSubscriptionAttributesResponse xmlns="${XMLNS}"><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></SetSubscriptionAttributesResponse>`;
        response.writeHead(200, { "content-type": "text/xml" }).end(ok);
      } catch (error) {
        if (!(error instanceof ReplayPolicyError)) throw error;
        const invalid = snsXml(400, "InvalidParameter", error.message);
        response.writeHead(invalid.status, invalid.headers).end(invalid.body);
      }
      return;
    }
    const answered = await forwardBuffered(targetUrl, request, body);
    if (answered.status === 200 && (action === "Publish" || action === "PublishBatch"))
      gate.snsDeliveries(form.get("TopicArn") ?? "");
    let text = answered.body;
    if (archive && answered.status === 200) {
      const xml = answered.body.toString("utf8");
      const topicArn = form.get("TopicArn") ?? "";
      if (action === "Publish" && archive.archives(topicArn)) {
        archive.record({
          topicArn,
          messageId: /<MessageId>([^<]+)<\/MessageId>/.exec(xml)?.[1] ?? randomUUID(),
          body: form.get("Message") ?? "",
          attributes: messageAttributes(form),
          messageGroupId: form.get("MessageGroupId") ?? undefined,
          messageDeduplicationId: form.get("MessageDeduplicationId") ?? undefined,
        });
      }
      if (action === "GetSubscriptionAttributes") {
        const extra = Object.entries(archive.replayAttributes(subscriptionArn))
          .map(([key, value]) => `<entry><key>${key}</key><value>${escapeXml(value)}</value></entry>`)
          .join("");
        text = Buffer.from(xml.replace("</Attributes>", `${extra}</Attributes>`));
      }
    }
    writeAnswer(response, { ...answered, body: text });
  }

  const server = http.createServer((request, response) => {
    readBody(request)
      .then((body) => answer(request, body, response))
      .catch((error: Error) => {
        if (!response.headersSent) response.writeHead(502);
        response.end(error.message);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${options.port} (the runtime's SNS endpoint, --aws-port + 1) is in use`)
          : error,
      ),
    );
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
