/**
 * Fault injection for tests and demos, applied by the local runtime around the functions and the
 * emulators; the functions themselves know nothing of it.
 *
 * - a message fault fails matching messages of one function (by orderId and/or eventType) a number
 *   of times, as a handler with skipGroupOnError would: the message and the later messages of its
 *   group in the batch are reported failed, the rest of the batch runs;
 * - a share fault makes a function's invocations throw with the given probability;
 * - a publish fault makes the SNS endpoint the functions use refuse Publish, for every order or
 *   for one (its message group).
 *
 * Each fault gets an id, so one can be removed while others stay (scenarios run side by side).
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
  /** Only this order's events (its message group); omitted means every Publish. */
  orderId?: string;
  /** How many Publish requests are refused; omitted means until the fault is removed. */
  times?: number;
}
export type FaultSpec = MessageFault | ShareFault | PublishFault;

export class FaultSpecError extends Error {}

const matchesFunction = (pattern: string, functionName: string) =>
  functionName === pattern || functionName.endsWith(`-${pattern}`);

interface Counted<T> {
  id: string;
  spec: T;
  remaining: number;
}

export class Faults {
  private messageFaults: Counted<MessageFault>[] = [];
  private shareFaults: Counted<ShareFault>[] = [];
  private publishFaults: Counted<PublishFault>[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  /** Adds a fault and answers its id. */
  add(spec: FaultSpec): string {
    const id = `fault-${this.nextId}`;
    const counted = <T extends FaultSpec>(s: T): Counted<T> => ({
      id,
      spec: s,
      remaining: "times" in s && s.times !== undefined ? s.times : Number.POSITIVE_INFINITY,
    });
    if ("publish" in spec) {
      if (spec.publish !== "refuse")
        throw new FaultSpecError('a publish fault is {"publish": "refuse", "orderId"?: id, "times"?: n}');
      this.publishFaults.push(counted(spec));
    } else if (typeof spec.function !== "string" || spec.function === "") {
      throw new FaultSpecError("a fault needs a function");
    } else if ("share" in spec) {
      if (!(spec.share >= 0 && spec.share <= 1)) throw new FaultSpecError(`share must be 0 to 1, got ${spec.share}`);
      this.shareFaults.push(counted(spec));
    } else {
      if (spec.orderId === undefined && spec.eventType === undefined) {
        throw new FaultSpecError("a message fault needs an orderId, an eventType, or both");
      }
      this.messageFaults.push(counted(spec));
    }
    this.nextId++;
    return id;
  }

  /** Removes one fault; false when no fault has that id. */
  remove(id: string): boolean {
    const before = this.messageFaults.length + this.shareFaults.length + this.publishFaults.length;
    this.messageFaults = this.messageFaults.filter((f) => f.id !== id);
    this.shareFaults = this.shareFaults.filter((f) => f.id !== id);
    this.publishFaults = this.publishFaults.filter((f) => f.id !== id);
    return this.messageFaults.length + this.shareFaults.length + this.publishFaults.length < before;
  }

  /** The active faults, oldest first, with how many occurrences each has left (null: until removed). */
  list(): { id: string; spec: FaultSpec; remaining: number | null }[] {
    return [...this.messageFaults, ...this.shareFaults, ...this.publishFaults]
      .map((f) => ({
        id: f.id,
        spec: f.spec,
        remaining: Number.isFinite(f.remaining) ? f.remaining : null,
      }))
      .sort((a, b) => Number(a.id.slice("fault-".length)) - Number(b.id.slice("fault-".length)));
  }

  clear(): void {
    this.messageFaults = [];
    this.shareFaults = [];
    this.publishFaults = [];
  }

  /** True when this invocation should throw before the handler runs. */
  failsInvocation(functionName: string): boolean {
    return this.shareFaults.some((f) => matchesFunction(f.spec.function, functionName) && this.random() < f.spec.share);
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
    return take(
      this.messageFaults,
      ({ spec }) =>
        matchesFunction(spec.function, functionName) &&
        (spec.orderId === undefined || spec.orderId === body.orderId) &&
        (spec.eventType === undefined || spec.eventType === body.eventType),
    );
  }

  /** True when a Publish in this message group (the order's id) should be refused. */
  refusesPublish(messageGroupId: string | undefined): boolean {
    return take(this.publishFaults, ({ spec }) => spec.orderId === undefined || spec.orderId === messageGroupId);
  }
}

/** Uses up one occurrence of the first matching fault that has any left. */
function take<T>(faults: Counted<T>[], matches: (fault: Counted<T>) => boolean): boolean {
  const fault = faults.find((f) => f.remaining > 0 && matches(f));
  if (!fault) return false;
  fault.remaining--;
  return true;
}
