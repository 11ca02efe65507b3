/** The local message move tasks' state machine, against a mocked SQS (the moves' calls are the real commands). */
import { mockClient } from "aws-sdk-client-mock";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { MessageMoveTasks, SqsApiError } from "../../../local/emulation/move-tasks";

const arn = (name: string) => `arn:aws:sqs:us-east-1:000000000000:${name}`;
const QUEUES = [
  {
    name: "billing.fifo",
    arn: arn("billing.fifo"),
    attributes: { RedrivePolicy: JSON.stringify({ maxReceiveCount: 2, deadLetterTargetArn: arn("billing-dlq.fifo") }) },
  },
  { name: "billing-dlq.fifo", arn: arn("billing-dlq.fifo") },
];
const DLQ = arn("billing-dlq.fifo");
const sqsMock = mockClient(SQSClient);

function message(id: string) {
  return {
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: `{"orderId":"${id}"}`,
    Attributes: { MessageGroupId: `g-${id}` },
  };
}

beforeEach(() => {
  sqsMock.reset();
  sqsMock.on(GetQueueUrlCommand).callsFake(({ QueueName }) => ({ QueueUrl: `http://q/${QueueName}` }));
  sqsMock.on(GetQueueAttributesCommand).resolves({ Attributes: { ApproximateNumberOfMessages: "2" } });
  sqsMock.on(SendMessageCommand).resolves({});
  sqsMock.on(DeleteMessageCommand).resolves({});
});

it("moves every message to the source queue, FIFO fields kept, deletes after the send, then COMPLETED", async () => {
  sqsMock
    .on(ReceiveMessageCommand)
    .resolvesOnce({ Messages: [message("m1"), message("m2")] })
    .resolves({ Messages: [] });
  const tasks = new MessageMoveTasks(new SQSClient({}), QUEUES);
  const { TaskHandle } = await tasks.start({ SourceArn: DLQ });
  expect(tasks.list({ SourceArn: DLQ }).Results[0]).toMatchObject({ TaskHandle, Status: "RUNNING" });
  await tasks.settled();
  const sends = sqsMock.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
  expect(sends).toEqual([
    expect.objectContaining({
      QueueUrl: "http://q/billing.fifo",
      MessageGroupId: "g-m1",
      MessageBody: '{"orderId":"m1"}',
    }),
    expect.objectContaining({ QueueUrl: "http://q/billing.fifo", MessageGroupId: "g-m2" }),
  ]);
  expect(sends[0].MessageDeduplicationId).toMatch(/^m1-/);
  expect(sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual([
    "rh-m1",
    "rh-m2",
  ]);
  const [done] = tasks.list({ SourceArn: DLQ }).Results;
  expect(done).toEqual({
    Status: "COMPLETED",
    SourceArn: DLQ,
    ApproximateNumberOfMessagesMoved: 2,
    ApproximateNumberOfMessagesToMove: 2,
    StartedTimestamp: expect.any(Number),
  });
});

it("refuses a second task for the same DLQ while one runs, and allows one after it ended", async () => {
  let release!: () => void;
  sqsMock
    .on(ReceiveMessageCommand)
    .callsFakeOnce(() => new Promise((resolve) => (release = () => resolve({ Messages: [] }))))
    .resolves({ Messages: [] });
  const tasks = new MessageMoveTasks(new SQSClient({}), QUEUES);
  await tasks.start({ SourceArn: DLQ });
  await expect(tasks.start({ SourceArn: DLQ })).rejects.toMatchObject({
    code: "UnsupportedOperation",
    message: expect.stringContaining("Only one active task is allowed for a source queue arn"),
  });
  release();
  await tasks.settled();
  await tasks.start({ SourceArn: DLQ });
  await tasks.settled();
  expect(tasks.list({ SourceArn: DLQ, MaxResults: 10 }).Results.map((t) => t.Status)).toEqual([
    "COMPLETED",
    "COMPLETED",
  ]);
});

it("fails the task with the reason when a send fails, deleting nothing", async () => {
  sqsMock.on(ReceiveMessageCommand).resolves({ Messages: [message("m1")] });
  sqsMock.on(SendMessageCommand).rejects(new Error("destination is gone"));
  const tasks = new MessageMoveTasks(new SQSClient({}), QUEUES);
  await tasks.start({ SourceArn: DLQ });
  await tasks.settled();
  expect(tasks.list({ SourceArn: DLQ }).Results[0]).toMatchObject({
    Status: "FAILED",
    FailureReason: "destination is gone",
  });
  expect(sqsMock.commandCalls(DeleteMessageCommand)).toHaveLength(0);
});

it("cancels a RUNNING task (CANCELLING, then CANCELLED) and only a RUNNING one", async () => {
  let release!: () => void;
  sqsMock
    .on(ReceiveMessageCommand)
    .callsFakeOnce(() => new Promise((resolve) => (release = () => resolve({ Messages: [message("m1")] }))));
  const tasks = new MessageMoveTasks(new SQSClient({}), QUEUES);
  const { TaskHandle } = await tasks.start({ SourceArn: DLQ });
  expect(tasks.cancel({ TaskHandle })).toEqual({ ApproximateNumberOfMessagesMoved: 0 });
  expect(tasks.list({ SourceArn: DLQ }).Results[0].Status).toBe("CANCELLING");
  release();
  await tasks.settled();
  expect(tasks.list({ SourceArn: DLQ }).Results[0]).toMatchObject({
    Status: "CANCELLED",
    ApproximateNumberOfMessagesMoved: 1,
  });
  expect(() => tasks.cancel({ TaskHandle })).toThrow(SqsApiError);
});

it("answers SQS's errors for a queue that is no DLQ, an unknown ARN and a rate out of range", async () => {
  const tasks = new MessageMoveTasks(new SQSClient({}), QUEUES);
  await expect(tasks.start({ SourceArn: arn("billing.fifo") })).rejects.toMatchObject({
    code: "InvalidParameterValue",
  });
  await expect(tasks.start({ SourceArn: arn("nope") })).rejects.toMatchObject({ code: "ResourceNotFoundException" });
  await expect(tasks.start({ SourceArn: DLQ, MaxNumberOfMessagesPerSecond: 501 })).rejects.toMatchObject({
    code: "InvalidParameterValue",
  });
  expect(() => tasks.list({ SourceArn: DLQ, MaxResults: 11 })).toThrow(/MaxResults/);
});
