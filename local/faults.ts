/**
 * Fault injection for tests and demos, applied by the local runtime around the functions and the
 * emulators; the functions themselves know nothing of it.
 *
 * - a message fault fails matching messages of one function (by orderId and/or eventType) a number
 *   of times, as a handler with skipGroupOnError would: the message and the later messages of its
 *   group in the batch are reported failed, the rest of the batch runs;
 * - a share fault makes a function's invocations throw with the given probability;
 * - a publish fault makes the SNS endpoint the functions use refuse Publish.
 */
import type { SQSRecord } from "aws-lambda";

export interface MessageFault {
  /** Function name, or its service suffix (`billing` matches `order-fanout-local-billing`). */
  function: string;
  orderId?: string;
  eventType?: string;
  /** How many deliveries fail; omitted means every one. */
  times?: number;
}
export interface ShareFault {
  function: string;
  /** 0 to 1: the share of invocations that throw. */
  share: number;
}
export interface PublishFault {
  publish: "refuse";
  /** How many Publish requests are refused; omitted means until cleared. */
  times?: number;
}
export type FaultSpec = MessageFault | ShareFault | PublishFault;

export class FaultSpecError extends Error {}

const matchesFunction = (pattern: string, functionName: string) =>
  functionName === pattern || functionName.endsWith(`-${pattern}`);

export class Faults {
  private messageFaults: (MessageFault & { remaining: number })[] = [];
  private shareFaults: ShareFault[] = [];
  private publishRefusals = 0;

  constructor(private readonly random: () => number = Math.random) {}

  add(spec: FaultSpec): void {
    if ("publish" in spec) {
      if (spec.publish !== "refuse") throw new FaultSpecError('a publish fault is {"publish": "refuse", "times"?: n}');
      this.publishRefusals = spec.times ?? Number.POSITIVE_INFINITY;
      return;
    }
    if (typeof spec.function !== "string" || spec.function === "") throw new FaultSpecError("a fault needs a function");
    if ("share" in spec) {
      if (!(spec.share >= 0 && spec.share <= 1)) throw new FaultSpecError(`share must be 0 to 1, got ${spec.share}`);
      this.shareFaults.push(spec);
      return;
    }
    if (spec.orderId === undefined && spec.eventType === undefined) {
      throw new FaultSpecError("a message fault needs an orderId, an eventType, or both");
    }
    this.messageFaults.push({ ...spec, remaining: spec.times ?? Number.POSITIVE_INFINITY });
  }

  clear(): void {
    this.messageFaults = [];
    this.shareFaults = [];
    this.publishRefusals = 0;
  }

  /** True when this invocation should throw before the handler runs. */
  failsInvocation(functionName: string): boolean {
    return this.shareFaults.some((f) => matchesFunction(f.function, functionName) && this.random() < f.share);
  }

  /**
   * Splits a batch into the records that reach the handler and the ids reported failed by a
   * message fault, keeping FIFO order: after a faulted message, its group's later records fail too.
   */
  splitBatch(functionName: string, records: SQSRecord[]): { handled: SQSRecord[]; failedIds: string[] } {
    const failedGroups = new Set<string>();
    const handled: SQSRecord[] = [];
    const failedIds: string[] = [];
    for (const record of records) {
      const group = record.attributes.MessageGroupId ?? record.messageId;
      if (failedGroups.has(group) || this.takeMessageFault(functionName, record)) {
        failedGroups.add(group);
        failedIds.push(record.messageId);
      } else {
        handled.push(record);
      }
    }
    return { handled, failedIds };
  }

  private takeMessageFault(functionName: string, record: SQSRecord): boolean {
    let body: { orderId?: string; eventType?: string } = {};
    try {
      body = JSON.parse(record.body) as typeof body;
    } catch {
      return false;
    }
    const fault = this.messageFaults.find(
      (f) =>
        f.remaining > 0 &&
        matchesFunction(f.function, functionName) &&
        (f.orderId === undefined || f.orderId === body.orderId) &&
        (f.eventType === undefined || f.eventType === body.eventType),
    );
    if (!fault) return false;
    fault.remaining--;
    return true;
  }

  /** True when this Publish request should be refused. */
  refusesPublish(): boolean {
    if (this.publishRefusals <= 0) return false;
    this.publishRefusals--;
    return true;
  }
}
