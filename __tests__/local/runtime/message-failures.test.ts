import type { SQSRecord } from "aws-lambda";
import { batchFailures, failureLine, loggedReasons, movesToDeadLetter } from "../../../local/runtime/message-failures";
import { redriveOf } from "../../../local/plan/redrive";
import type { Invocation, LogRecord } from "../../../local/runtime/function-host";
import { formatProcessed } from "../../../local/runtime/lines";
import { ORDER_A, ORDER_B, orderCancelled, orderPlaced, sqsRecord } from "../../support/events";

const DLQ = "order-fanout-local-billing-dlq.fifo";
const QUEUE = {
  attributes: {
    FifoQueue: "true",
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: `arn:aws:sqs:eu-west-1:000000000000:${DLQ}`,
      maxReceiveCount: 3,
    }),
  },
  deadLetterQueue: DLQ,
};
const REDRIVE = { maxReceiveCount: 3, deadLetterQueue: DLQ };

/** A log line as fifo-consumer writes it for a record it reports failed. */
const failedLog = (record: SQSRecord, reason: string, level = "ERROR") => ({
  level,
  message: level === "ERROR" ? "failed" : "not attempted",
  messageId: record.messageId,
  reason,
});

describe("redriveOf", () => {
  it("reads maxReceiveCount and the dead-letter queue from the plan's queue", () => {
    expect(redriveOf(QUEUE)).toEqual(REDRIVE);
  });

  it("takes the DLQ name from the target ARN and a count written as text", () => {
    const policy = JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:eu-west-1:0:${DLQ}`, maxReceiveCount: "2" });
    expect(redriveOf({ attributes: { RedrivePolicy: policy } })).toEqual({ maxReceiveCount: 2, deadLetterQueue: DLQ });
  });

  it("answers nothing for a queue without a redrive policy", () => {
    expect(redriveOf({ attributes: {} })).toBeUndefined();
    expect(redriveOf({})).toBeUndefined();
  });
});

describe("loggedReasons", () => {
  it("keeps the reasons logged at ERROR and WARN by messageId, and ignores other lines", () => {
    const a = sqsRecord(orderPlaced(ORDER_A), ORDER_A);
    const b = sqsRecord(orderCancelled(ORDER_A), ORDER_A);
    const reasons = loggedReasons([
      { level: "INFO", message: "processed", messageId: "other", reason: "not a failure" },
      failedLog(a, "the body is not JSON (9 characters)"),
      failedLog(b, "not attempted: ...", "WARN"),
      { level: "ERROR", message: "All records failed processing." },
      { message: "a line that was not JSON" },
    ]);
    expect([...reasons]).toEqual([
      [a.messageId, "the body is not JSON (9 characters)"],
      [b.messageId, "not attempted: ..."],
    ]);
  });
});

describe("batchFailures", () => {
  const a1 = sqsRecord(orderPlaced(ORDER_A), ORDER_A);
  const b1 = sqsRecord(orderPlaced(ORDER_B), ORDER_B);
  const a2 = sqsRecord(orderCancelled(ORDER_A), ORDER_A);
  const records = [a1, b1, a2];
  /** An invocation that answered a partial batch response naming `ids`, having logged `logs`. */
  const answered = (ids: string[], logs: LogRecord[] = []): Invocation => ({
    ok: true,
    result: { batchItemFailures: ids.map((itemIdentifier) => ({ itemIdentifier })) },
    logs,
  });
  const failures = (invocation: Invocation, faulted: string[] = [], reportBatchItemFailures = true) =>
    batchFailures({ records, faulted, invocation, reportBatchItemFailures });

  it("keeps what the response names, each with the reason the function logged", () => {
    const logs = [failedLog(a1, "the handler threw Error: down"), failedLog(a2, "not attempted: a1 failed", "WARN")];
    expect([...failures(answered([a1.messageId, a2.messageId], logs))]).toEqual([
      [a1.messageId, "the handler threw Error: down"],
      [a2.messageId, "not attempted: a1 failed"],
    ]);
  });

  it("says when the function logged no reason for a message it names", () => {
    expect(failures(answered([b1.messageId])).get(b1.messageId)).toBe(
      "reported failed by the function, which logged no reason",
    );
  });

  it("keeps every message when the invocation fails, with the logged reasons first", () => {
    const failed = failures({
      ok: false,
      error: new Error("order-fanout-local-billing: All records failed processing. See individual errors below."),
      logs: [failedLog(a1, "the body is not JSON (1 character)")],
    });
    expect(failed.get(a1.messageId)).toBe("the body is not JSON (1 character)");
    expect(failed.get(b1.messageId)).toBe(
      "the invocation failed: order-fanout-local-billing: All records failed processing. See individual errors below.",
    );
    expect(failed.size).toBe(3);
  });

  it("keeps every message when the response names one that was not sent", () => {
    expect([...failures(answered(["not-sent"])).keys()]).toEqual(records.map((r) => r.messageId));
  });

  it("names an injected fault, and the later messages of its group as not attempted", () => {
    expect([...failures(answered([]), [a1.messageId, a2.messageId])]).toEqual([
      [a1.messageId, "injected fault: a message fault failed it (POST /_local/faults)"],
      [a2.messageId, `not attempted: an injected fault failed message ${a1.messageId} of its group before it`],
    ]);
  });

  it("ignores the response of a mapping without ReportBatchItemFailures", () => {
    expect(failures(answered([a1.messageId]), [], false).size).toBe(0);
  });
});

describe("failureLine", () => {
  const service = "billing";

  it("prints a failure with its receive and reason, in the columns of the processed lines", () => {
    const record = sqsRecord(orderPlaced(ORDER_A), ORDER_A, 1);
    const line = failureLine(service, record, "the handler threw Error: down", REDRIVE);
    expect(line).toBe(
      `  billing       ${ORDER_A} OrderPlaced     FAILED               receive 1 of 3: the handler threw Error: down`,
    );
    const processed = formatProcessed({
      service,
      orderId: ORDER_A,
      eventType: "OrderPlaced",
      outcome: "INVOICED",
      ms: 12,
      failed: false,
      at: "",
    });
    expect(line.indexOf("FAILED")).toBe(processed.indexOf("INVOICED"));
  });

  it("names the dead-letter queue on the last allowed receive", () => {
    const record = sqsRecord(orderPlaced(ORDER_A), ORDER_A, 3);
    expect(movesToDeadLetter(record, REDRIVE)).toBe(true);
    expect(failureLine(service, record, "the handler threw Error: down", REDRIVE)).toBe(
      `  billing       ${ORDER_A} OrderPlaced     → ${DLQ} after 3 receives: the handler threw Error: down`,
    );
  });

  it("prints a plain failure before the last receive, and always without a redrive policy", () => {
    const second = sqsRecord(orderPlaced(ORDER_A), ORDER_A, 2);
    expect(movesToDeadLetter(second, REDRIVE)).toBe(false);
    const fifth = sqsRecord(orderPlaced(ORDER_A), ORDER_A, 5);
    expect(movesToDeadLetter(fifth, undefined)).toBe(false);
    expect(failureLine(service, fifth, "why", undefined)).toMatch(/ FAILED +receive 5: why$/);
  });

  it("shows what it can of a body that is not an event: the message group, and ? for the type", () => {
    const record = sqsRecord("{not json", ORDER_B, 3);
    expect(failureLine(service, record, "the body is not JSON (9 characters)", REDRIVE)).toBe(
      `  billing       ${ORDER_B} ?               → ${DLQ} after 3 receives: the body is not JSON (9 characters)`,
    );
  });
});
