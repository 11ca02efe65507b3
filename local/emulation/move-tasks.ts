/**
 * SQS's message move tasks (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask),
 * which fauxqs 1.9.2 lacks, answered by the runtime's SQS endpoint (aws-front.ts) itself.
 *
 * A task follows SQS's documented behaviour: the source must be a dead-letter queue of another
 * queue; the destination defaults to that queue (the one whose RedrivePolicy names the DLQ); one
 * RUNNING task per source queue; RUNNING → COMPLETED, FAILED, or CANCELLING → CANCELLED; the most
 * recent tasks (1 by default, 10 at most) listed per source; a handle only while RUNNING. Each
 * message is received from the DLQ, sent to the destination (FIFO: same group, a deduplication id
 * derived from the message id and the task), and deleted from the DLQ only after the send succeeded.
 */
import { randomUUID } from "node:crypto";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  Message,
  MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { redriveOf } from "../plan/redrive";
import { MAX_MESSAGES_PER_SECOND } from "../../contract/sqs-limits";

/** A queue of the plan, as the move tasks need it. */
export interface MoveTaskQueue {
  name: string;
  arn: string;
  attributes?: Record<string, string>;
  deadLetterQueue?: string;
}

export type MoveTaskStatus = "RUNNING" | "COMPLETED" | "CANCELLING" | "CANCELLED" | "FAILED";

/** An error SQS's JSON protocol answers: `__type` names the code the SDK throws as the error's name. */
export class SqsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

interface Task {
  id: string;
  handle: string;
  status: MoveTaskStatus;
  sourceArn: string;
  destinationArn?: string;
  maxPerSecond?: number;
  moved: number;
  toMove: number;
  failureReason?: string;
  started: number;
  done: Promise<void>;
}

export interface StartInput {
  SourceArn?: string;
  DestinationArn?: string;
  MaxNumberOfMessagesPerSecond?: number;
}

/** A function, so that the status read after an await is not narrowed by the check before it. */
const cancelling = (task: Task) => task.status === "CANCELLING";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Only what SendMessage accepts of a received attribute (the SDK omits empty lists, fauxqs sends them). */
function copiedAttributes(attributes: Message["MessageAttributes"]): Record<string, MessageAttributeValue> | undefined {
  if (!attributes || Object.keys(attributes).length === 0) return undefined;
  return Object.fromEntries(
    Object.entries(attributes).map(([name, { DataType, StringValue, BinaryValue }]) => [
      name,
      { DataType, ...(StringValue !== undefined ? { StringValue } : {}), ...(BinaryValue ? { BinaryValue } : {}) },
    ]),
  );
}

export class MessageMoveTasks {
  private readonly tasks: Task[] = [];

  /** `queues`: the plan's queues, whose RedrivePolicy says which is whose dead-letter queue. */
  constructor(
    private readonly sqs: SQSClient,
    private readonly queues: readonly MoveTaskQueue[],
    private readonly receiveVisibilitySeconds = 30,
  ) {}

  private queueByArn(arn: string | undefined, what: string): MoveTaskQueue {
    const queue = this.queues.find((q) => q.arn === arn);
    if (!queue)
      throw new SqsApiError("ResourceNotFoundException", `The specified ${what} ${arn ?? "(none)"} does not exist.`);
    return queue;
  }

  private async url(queue: MoveTaskQueue): Promise<string> {
    const { QueueUrl } = await this.sqs.send(new GetQueueUrlCommand({ QueueName: queue.name }));
    return QueueUrl!;
  }

  private sourcesOf(dlq: MoveTaskQueue): MoveTaskQueue[] {
    return this.queues.filter((q) => q !== dlq && redriveOf(q)?.deadLetterQueue === dlq.name);
  }

  async start(input: StartInput): Promise<{ TaskHandle: string }> {
    const source = this.queueByArn(input.SourceArn, "source queue");
    const origins = this.sourcesOf(source);
    if (origins.length === 0)
      throw new SqsApiError("InvalidParameterValue", "Source queue must be configured as a Dead Letter Queue.");
    const rate = input.MaxNumberOfMessagesPerSecond;
    if (rate !== undefined && !(Number.isInteger(rate) && rate >= 1 && rate <= MAX_MESSAGES_PER_SECOND))
      throw new SqsApiError(
        "InvalidParameterValue",
        `Value ${rate} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: Must be between 1 and ${MAX_MESSAGES_PER_SECOND}.`,
      );
    let destination: MoveTaskQueue;
    if (input.DestinationArn !== undefined) destination = this.queueByArn(input.DestinationArn, "destination queue");
    else if (origins.length === 1) destination = origins[0];
    else
      throw new SqsApiError(
        "UnsupportedOperation",
        `Locally, a DLQ of several queues (${origins.map((q) => q.name).join(", ")}) needs a DestinationArn.`,
      );
    if (this.tasks.some((t) => t.sourceArn === source.arn && (t.status === "RUNNING" || t.status === "CANCELLING")))
      throw new SqsApiError(
        "UnsupportedOperation",
        "There is already a task running. Only one active task is allowed for a source queue arn at a given time.",
      );
    const sourceUrl = await this.url(source);
    const destinationUrl = await this.url(destination);
    const { Attributes = {} } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: sourceUrl, AttributeNames: ["ApproximateNumberOfMessages"] }),
    );
    const id = randomUUID();
    const task: Task = {
      id,
      handle: Buffer.from(JSON.stringify({ taskId: id, sourceArn: source.arn })).toString("base64"),
      status: "RUNNING",
      sourceArn: source.arn,
      destinationArn: input.DestinationArn,
      maxPerSecond: rate,
      moved: 0,
      toMove: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      started: Date.now(),
      done: Promise.resolve(),
    };
    this.tasks.push(task);
    task.done = this.run(task, sourceUrl, destinationUrl, destination.name.endsWith(".fifo"));
    return { TaskHandle: task.handle };
  }

  /** Moves until the DLQ answers no message, the task is cancelled, or a call fails. */
  private async run(task: Task, sourceUrl: string, destinationUrl: string, fifo: boolean): Promise<void> {
    try {
      for (;;) {
        if (cancelling(task)) {
          task.status = "CANCELLED";
          return;
        }
        const batch = Math.min(10, task.maxPerSecond ?? 10);
        const began = Date.now();
        const { Messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: sourceUrl,
            MaxNumberOfMessages: batch,
            VisibilityTimeout: this.receiveVisibilitySeconds,
            WaitTimeSeconds: 0,
            MessageSystemAttributeNames: ["All"],
            MessageAttributeNames: ["All"],
          }),
        );
        if (Messages.length === 0) {
          task.status = cancelling(task) ? "CANCELLED" : "COMPLETED";
          return;
        }
        for (const message of Messages) {
          const group = message.Attributes?.MessageGroupId;
          await this.sqs.send(
            new SendMessageCommand({
              QueueUrl: destinationUrl,
              MessageBody: message.Body!,
              MessageAttributes: copiedAttributes(message.MessageAttributes),
              ...(fifo
                ? {
                    MessageGroupId: group ?? message.MessageId!,
                    MessageDeduplicationId: `${message.MessageId}-${task.id}`,
                  }
                : {}),
            }),
          );
          await this.sqs.send(new DeleteMessageCommand({ QueueUrl: sourceUrl, ReceiptHandle: message.ReceiptHandle! }));
          task.moved++;
        }
        if (task.maxPerSecond !== undefined)
          await sleep((Messages.length / task.maxPerSecond) * 1000 - (Date.now() - began));
      }
    } catch (error) {
      task.status = "FAILED";
      task.failureReason = (error as Error).message;
    }
  }

  list(input: { SourceArn?: string; MaxResults?: number }) {
    const source = this.queueByArn(input.SourceArn, "source queue");
    const max = input.MaxResults ?? 1;
    if (!(Number.isInteger(max) && max >= 1 && max <= 10))
      throw new SqsApiError(
        "InvalidParameterValue",
        `Value ${max} for parameter MaxResults is invalid. Reason: Must be between 1 and 10.`,
      );
    const results = this.tasks
      .filter((t) => t.sourceArn === source.arn)
      .reverse()
      .slice(0, max)
      .map((t) => ({
        ...(t.status === "RUNNING" ? { TaskHandle: t.handle } : {}),
        Status: t.status,
        SourceArn: t.sourceArn,
        ...(t.destinationArn !== undefined ? { DestinationArn: t.destinationArn } : {}),
        ...(t.maxPerSecond !== undefined ? { MaxNumberOfMessagesPerSecond: t.maxPerSecond } : {}),
        ApproximateNumberOfMessagesMoved: t.moved,
        ApproximateNumberOfMessagesToMove: t.toMove,
        ...(t.status === "FAILED" ? { FailureReason: t.failureReason } : {}),
        StartedTimestamp: t.started,
      }));
    return { Results: results };
  }

  cancel(input: { TaskHandle?: string }): { ApproximateNumberOfMessagesMoved: number } {
    const task = this.tasks.find((t) => t.handle === input.TaskHandle);
    if (!task) throw new SqsApiError("ResourceNotFoundException", "The specified task handle does not exist.");
    if (task.status !== "RUNNING")
      throw new SqsApiError(
        "UnsupportedOperation",
        `Only a RUNNING task can be cancelled; this one is ${task.status}.`,
      );
    task.status = "CANCELLING";
    return { ApproximateNumberOfMessagesMoved: task.moved };
  }

  /** Resolves when every task has ended (for stopping, and for tests). */
  async settled(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.done));
  }

  /** The three actions, by their X-Amz-Target name. */
  async answer(action: string, body: unknown): Promise<unknown> {
    const input = (body ?? {}) as Record<string, never>;
    if (action === "StartMessageMoveTask") return this.start(input);
    if (action === "ListMessageMoveTasks") return this.list(input);
    if (action === "CancelMessageMoveTask") return this.cancel(input);
    throw new SqsApiError("InvalidAction", `Unknown action: ${action}`);
  }
}

export const MOVE_TASK_ACTIONS = ["StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask"];
