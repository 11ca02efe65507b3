import { loadPlan } from "../../../local/plan/plan";
import type { TerraformPlan } from "../../../local/plan/synth-plan";
import { LOCAL_TEST_ACCOUNT, localPlanForTests } from "../../support/synth";

const account = LOCAL_TEST_ACCOUNT;
const synthesized = localPlanForTests("plan-archive-test");
const copy = (): TerraformPlan => JSON.parse(JSON.stringify(synthesized));
const eventsTopic = (plan: TerraformPlan) => {
  const topics = plan.resource?.aws_sns_topic ?? {};
  return Object.entries(topics).find(([name]) => name.startsWith("order-events"))!;
};

describe("the local plan loader and the topic archive", () => {
  it("honours the events topic's archive_policy: ArchivePolicy for fauxqs, retention for the runtime's archive", () => {
    const topic = loadPlan(copy(), account).topics.find((t) => t.name === "order-fanout-local-order-events.fifo")!;
    expect(topic.archiveRetentionDays).toBe(1);
    expect(JSON.parse(topic.attributes.ArchivePolicy)).toEqual({ MessageRetentionPeriod: 1 });
  });

  it("ignores the destroy-time provisioner that clears the archive, and refuses any other", () => {
    const plan = copy();
    const [, topic] = eventsTopic(plan);
    expect(topic.provisioner).toBeDefined();
    (topic.provisioner as { "local-exec": { when?: string } }[])[0]["local-exec"].when = "create";
    expect(() => loadPlan(plan, account)).toThrow(/only destroy-time provisioners are supported locally/);
  });

  it("refuses a retention SNS would refuse", () => {
    const plan = copy();
    eventsTopic(plan)[1].archive_policy = '{"MessageRetentionPeriod":400}';
    expect(() => loadPlan(plan, account)).toThrow(/archive_policy must be \{"MessageRetentionPeriod": 1 to 365 days\}/);
  });
});
