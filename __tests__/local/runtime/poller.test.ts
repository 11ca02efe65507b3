/**
 * The poller's console lines for messages that stay on the queue, through a real execution
 * environment (local/runtime/function-worker.cjs) running a bundled fifoConsumer, with an in-memory SQS in
 * place of the emulator: the reason each line prints is the one the function logged.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import { DeleteMessageBatchCommand, Message, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { FunctionHost, LogRecord } from "../../../local/runtime/function-host";
import { QueuePoller } from "../../../local/runtime/poller";
import { Faults } from "../../../local/emulation/faults";
import { LocalFunction } from "../../../local/plan/plan";
import { ORDER_A, ORDER_B, orderCancelled, orderPlaced } from "../../support/events";

const ORDER_C = "ord_cccccccccccccccccccccccc";
const DLQ = "order-fanout-local-billing-dlq.fifo";
const ROOT = path.resolve(__dirname, "..", "..", "..");

let bundleDir: string;

beforeAll(async () => {
  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), "poller-test-"));
  const entry = path.join(bundleDir, "entry.ts");
  const consumer = path.join(ROOT, "lambda-src", "shared", "fifo-consumer");
  fs.writeFileSync(
    entry,
    `import { fifoConsumer } from ${JSON.stringify(consumer)};
export const handler = fifoConsumer(async (event) => {
  if (event.orderId === ${JSON.stringify(ORDER_A)}) throw new Error("stock table unavailable");
  return "INVOICED";
});
`,
  );
  await build({
    entryPoints: [entry],
    outfile: path.join(bundleDir, "index.js"),
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "warning",
    nodePaths: [path.join(ROOT, "node_modules")],
  });
}, 30_000);

afterAll(() => fs.rmSync(bundleDir, { recursive: true, force: true }));

const fn: LocalFunction = {
  address: "aws_lambda_function.billing",
  name: "order-fanout-local-billing",
  arn: "arn:aws:lambda:eu-west-1:000000000000:function:order-fanout-local-billing",
  bundleHash: "test",
  roleArn: "arn:aws:iam::000000000000:role/order-fanout-local-billing-role",
  handler: "index.handler",
  timeoutSeconds: 10,
  memoryMb: 256,
  environment: { POWERTOOLS_SERVICE_NAME: "billing", POWERTOOLS_LOG_LEVEL: "INFO" },
};

let sequence = 0;
function message(body: unknown, groupId: string, receiveCount: number): Message {
  sequence += 1;
  return {
    MessageId: `msg-${sequence}`,
    ReceiptHandle: `receipt-${sequence}`,
    Body: typeof body === "string" ? body : JSON.stringify(body),
    Attributes: {
      ApproximateReceiveCount: String(receiveCount),
      MessageGroupId: groupId,
      SequenceNumber: `${sequence}`,
    },
  };
}

/** An SQS that answers one batch, then holds the long poll until the poller stops. */
function oneBatch(messages: Message[]) {
  const deleted: string[] = [];
  let delivered = false;
  const send = async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
    if (command instanceof DeleteMessageBatchCommand) {
      const entries = command.input.Entries ?? [];
      deleted.push(...entries.map((e) => e.ReceiptHandle!));
      return { Successful: entries.map((e) => ({ Id: e.Id })) };
    }
    if (command instanceof ReceiveMessageCommand && !delivered) {
      delivered = true;
      return { Messages: messages };
    }
    await new Promise((resolve) => options?.abortSignal?.addEventListener("abort", resolve));
    throw new Error("aborted");
  };
  return { sqs: { send } as unknown as SQSClient, deleted };
}

async function pollOnce(messages: Message[], redrive = true) {
  const logs: LogRecord[] = [];
  const host = new FunctionHost({
    fn,
    bundleDir,
    runtimeEnvironment: {},
    onLog: (record) => logs.push(record),
    maxEnvironments: 1,
  });
  const printed: string[] = [];
  const { sqs, deleted } = oneBatch(messages);
  const queue = {
    url: "http://localhost/queue",
    arn: "arn:aws:sqs:eu-west-1:000000000000:order-fanout-local-billing.fifo",
    attributes: (redrive
      ? {
          RedrivePolicy: JSON.stringify({
            deadLetterTargetArn: `arn:aws:sqs:eu-west-1:000000000000:${DLQ}`,
            maxReceiveCount: 3,
          }),
        }
      : {}) as Record<string, string>,
    ...(redrive ? { deadLetterQueue: DLQ } : {}),
  };
  const source = {
    address: "aws_lambda_event_source_mapping.billing",
    functionName: fn.name,
    queueName: "order-fanout-local-billing.fifo",
    batchSize: 10,
    maxConcurrency: 1,
    reportBatchItemFailures: true,
  };
  const poller = new QueuePoller({
    source,
    queue,
    sqs,
    host,
    faults: new Faults(),
    print: (line) => printed.push(line),
  });
  try {
    await host.started();
    poller.start();
    const deadline = Date.now() + 10_000;
    while (poller.stats.batches === 0 || poller.stats.deleted + poller.stats.failed < messages.length) {
      if (Date.now() > deadline) throw new Error("the batch was not processed in 10 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await poller.stop();
  } finally {
    await host.stop();
  }
  return { printed, deleted, logs, stats: poller.stats };
}

describe("QueuePoller console lines", () => {
  it("prints each failed message's logged reason, and its DLQ on the last receive", async () => {
    const a1 = message(orderPlaced(ORDER_A), ORDER_A, 3);
    const a2 = message(orderCancelled(ORDER_A), ORDER_A, 3);
    const invalid = message(
      orderPlaced(ORDER_B, { items: [{ sku: "KB-01", quantity: 0, unitPriceCents: 1 }] }),
      ORDER_B,
      1,
    );
    const ok = message(orderPlaced(ORDER_C), ORDER_C, 1);

    const { printed, deleted, logs, stats } = await pollOnce([a1, invalid, a2, ok]);

    expect(deleted).toEqual([ok.ReceiptHandle]);
    expect(stats).toMatchObject({ received: 4, deleted: 1, failed: 3 });
    expect(printed).toEqual([
      `  billing       ${ORDER_A} OrderPlaced     → ${DLQ} after 3 receives: the handler threw Error: stock table unavailable`,
      `  billing       ${ORDER_B} OrderPlaced     FAILED               receive 1 of 3: the OrderPlaced event is invalid in 1 field: items.0.quantity: Too small: expected number to be >=1`,
      `  billing       ${ORDER_A} OrderCancelled  → ${DLQ} after 3 receives: not attempted: message ${a1.MessageId} of its group failed before it in this batch, and a group is processed in order`,
    ]);
    // The same lines still reach the runtime's log callback (and so <data-dir>/logs/<function>.log).
    expect(logs).toContainEqual(
      expect.objectContaining({ level: "ERROR", messageId: invalid.MessageId, receiveCount: 1 }),
    );
  });

  it("prints the reasons of a batch that failed entirely (the function threw), not only Powertools' summary", async () => {
    const notJson = message("{not json", ORDER_B, 1);
    const { printed, deleted } = await pollOnce([notJson], false);
    expect(deleted).toEqual([]);
    expect(printed).toEqual([
      `  billing       ${ORDER_B} ?               FAILED               receive 1: the body is not JSON (9 characters)`,
    ]);
  });
});
