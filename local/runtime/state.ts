/**
 * What a running local runtime holds and says about itself: its parts, every message outcome the
 * consumers logged, queue depths, failures, denials and e-mails. Its /_local/ endpoints, its console
 * and its owner read it.
 */
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { LocalModel } from "../plan/plan";
import type { LocalClients } from "../emulation/aws-clients";
import type { Faults } from "../emulation/faults";
import type { Mail } from "../emulation/ses";
import type { Authorizer, Denial } from "../authz/authorizer";
import type { FunctionHost } from "./function-host";
import type { QueuePoller } from "./poller";
import type { StreamPoller } from "./stream-poller";
import type { ProcessedMessage } from "./lines";

/** The parts of a running runtime, each started before the runtime is assembled from them. */
export interface RuntimeParts {
  readonly model: LocalModel;
  /** Clients of the emulators themselves (not through the fronts). */
  readonly clients: LocalClients;
  /** Where the functions and operator commands reach SNS/SQS/S3 (the SQS front) and DynamoDB. */
  readonly endpoints: { aws: string; dynamodb: string };
  /** Queue URLs as the emulator answered them, by queue name. */
  readonly queueUrls: Map<string, string>;
  readonly faults: Faults;
  readonly hosts: Map<string, FunctionHost>;
  readonly pollers: QueuePoller[];
  readonly streamPollers: StreamPoller[];
  /** Every message outcome the consumers logged, in order: for tests, the demo and the console. */
  readonly processed: ProcessedMessage[];
  /** Authorizes every call against the plan's policies; keeps the denials and the grants used. */
  readonly authorizer: Authorizer;
  /** What the local SES accepted. */
  readonly mailbox: readonly Mail[];
}

/** What the runtime says about itself: for its /_local/ endpoints, its console and its owner. */
export class RuntimeState {
  constructor(private readonly parts: RuntimeParts) {}

  get model(): LocalModel {
    return this.parts.model;
  }

  get clients(): LocalClients {
    return this.parts.clients;
  }

  get endpoints(): { aws: string; dynamodb: string } {
    return this.parts.endpoints;
  }

  get faults(): Faults {
    return this.parts.faults;
  }

  get processed(): ProcessedMessage[] {
    return this.parts.processed;
  }

  get authorizer(): Authorizer {
    return this.parts.authorizer;
  }

  /** The e-mails sent, oldest first; with `orderId`, those whose subject names that order. */
  mails(orderId?: string): readonly Mail[] {
    return orderId === undefined ? this.parts.mailbox : this.parts.mailbox.filter((m) => m.subject.includes(orderId));
  }

  /** Per principal (role name, or the service): how many calls were denied, and the last denial. */
  denials(): Record<string, { count: number; last: Denial }> {
    const byPrincipal: Record<string, { count: number; last: Denial }> = {};
    for (const [principal, count] of this.authorizer.deniedByPrincipal) {
      const last = [...this.authorizer.denials].reverse().find((d) => d.principal === principal);
      if (last) byPrincipal[principal.split("/").pop()!] = { count, last };
    }
    return byPrincipal;
  }

  queueUrl(name: string): string {
    const url = this.parts.queueUrls.get(name);
    if (!url) throw new Error(`queue ${name} is not part of the local plan`);
    return url;
  }

  /** Why a message last failed on its queue, as its poller saw it (also faults the function never saw). */
  failureOf(messageId: string): { reason: string; at: string } | undefined {
    for (const poller of this.parts.pollers) {
      const failure = poller.failures.get(messageId);
      if (failure) return failure;
    }
    return undefined;
  }

  async queueDepths(name: string): Promise<{ visible: number; inFlight: number }> {
    const { Attributes = {} } = await this.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.queueUrl(name),
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  /**
   * Per queue: visible, in flight, and its DLQ's depth; per function: invocations and outcomes, and
   * what its queue poller (`messages`) or stream poller (`records`) did; per role, the calls denied.
   */
  async status() {
    const queues: Record<string, unknown> = {};
    for (const source of this.model.eventSources) {
      const queue = this.model.queues.find((q) => q.name === source.queueName)!;
      const depths = await this.queueDepths(queue.name);
      const dlq = queue.deadLetterQueue ? await this.queueDepths(queue.deadLetterQueue) : undefined;
      queues[queue.name] = { ...depths, deadLetter: dlq ? dlq.visible + dlq.inFlight : 0 };
    }
    const functions = Object.fromEntries(
      [...this.parts.hosts].map(([name, host]) => {
        const poller = this.parts.pollers.find((p) => p.source.functionName === name);
        const streamPoller = this.parts.streamPollers.find((p) => p.source.functionName === name);
        return [
          name,
          {
            ...host.stats,
            ...(poller ? { messages: { ...poller.stats } } : {}),
            ...(streamPoller ? { records: { ...streamPoller.stats } } : {}),
          },
        ];
      }),
    );
    return { queues, functions, denials: this.denials() };
  }
}
