import { Scheduler, scheduledEvent, ScheduledRun } from "../../../local/runtime/scheduler";
import { LocalSchedule } from "../../../local/plan/plan";

const schedule: LocalSchedule = {
  address: "aws_cloudwatch_event_rule.sweep",
  ruleName: "sweep-schedule",
  ruleArn: "arn:aws:events:us-east-1:000000000000:rule/sweep-schedule",
  everyMs: 60_000,
  functionName: "sweep",
};

describe("the local EventBridge schedule", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("invokes the function once a period, first one period after the start, with EventBridge's scheduled event", async () => {
    const events: unknown[] = [];
    const runs: ScheduledRun[] = [];
    const scheduler = new Scheduler(
      [schedule],
      (_name, event) => Promise.resolve(void events.push(event)),
      (run) => runs.push(run),
    );
    scheduler.start();
    await jest.advanceTimersByTimeAsync(59_999);
    expect(events).toHaveLength(0);
    await jest.advanceTimersByTimeAsync(120_001);
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      version: "0",
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "000000000000",
      region: "us-east-1",
      resources: [schedule.ruleArn],
      detail: {},
    });
    expect(runs.map((r) => [r.rule, r.functionName, r.error])).toEqual(
      Array(3).fill(["sweep-schedule", "sweep", undefined]),
    );
    await scheduler.stop();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(events).toHaveLength(3);
  });

  it("reports a failed invocation and keeps its schedule", async () => {
    const runs: ScheduledRun[] = [];
    const scheduler = new Scheduler(
      [schedule],
      () => Promise.reject(new Error("boom")),
      (run) => runs.push(run),
    );
    scheduler.start();
    await jest.advanceTimersByTimeAsync(120_000);
    expect(runs.map((r) => r.error)).toEqual(["boom", "boom"]);
    await scheduler.stop();
  });

  it("stamps the event's time to the second, as EventBridge does", () => {
    expect(scheduledEvent(schedule, new Date("2026-12-07T06:00:00.123Z")).time).toBe("2026-12-07T06:00:00Z");
  });
});
