/**
 * EventBridge's rate schedules for the local runtime: each rule invokes its function every
 * `rate(...)`, the first time one period after the runtime starts, with the event EventBridge
 * sends for a scheduled rule
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html).
 * EventBridge invokes asynchronously: an invocation that fails is logged, and the next period
 * comes anyway. Lambda's own retries of a failed asynchronous invocation (twice, after about one
 * and two minutes) are not made locally; for a rule that runs every minute or so the next run
 * stands in for them.
 */
import { randomUUID } from "node:crypto";
import { LocalSchedule } from "../plan/plan";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../../contract/local-endpoints";

export interface ScheduledRun {
  rule: string;
  functionName: string;
  ms: number;
  error?: string;
}

/** The event EventBridge sends a function for a scheduled rule. */
export function scheduledEvent(schedule: LocalSchedule, time: Date) {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: LOCAL_ACCOUNT,
    time: time.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: LOCAL_REGION,
    resources: [schedule.ruleArn],
    detail: {},
  };
}

export class Scheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<Promise<void>>();
  /** Runs per rule so far. */
  readonly runs = new Map<string, number>();

  constructor(
    private readonly schedules: readonly LocalSchedule[],
    private readonly invoke: (functionName: string, event: unknown) => Promise<unknown>,
    private readonly report: (run: ScheduledRun) => void,
  ) {}

  start(): void {
    for (const schedule of this.schedules) {
      this.timers.push(setInterval(() => this.run(schedule), schedule.everyMs));
    }
  }

  private run(schedule: LocalSchedule): void {
    const started = Date.now();
    this.runs.set(schedule.ruleName, (this.runs.get(schedule.ruleName) ?? 0) + 1);
    const done = this.invoke(schedule.functionName, scheduledEvent(schedule, new Date(started))).then(
      () => this.report({ rule: schedule.ruleName, functionName: schedule.functionName, ms: Date.now() - started }),
      (error: Error) =>
        this.report({
          rule: schedule.ruleName,
          functionName: schedule.functionName,
          ms: Date.now() - started,
          error: error.message,
        }),
    );
    this.running.add(done);
    void done.finally(() => this.running.delete(done));
  }

  /** No run starts after this; the runs under way are waited for. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all(this.running);
  }
}
