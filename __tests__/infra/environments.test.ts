import { ENVIRONMENT_NAMES, environmentSettings } from "../../stacks/environments";

describe("environment settings", () => {
  it("uses IAM authorization in staging and prod", () => {
    expect(environmentSettings("staging", {}).apiAuthorization).toBe("AWS_IAM");
    expect(environmentSettings("prod", {}).apiAuthorization).toBe("AWS_IAM");
  });

  it("keeps each AWS environment's state under its own key, and local state locally", () => {
    const keys = (["dev", "staging", "prod"] as const).map((name) => {
      const state = environmentSettings(name, {}).state;
      if (state.kind !== "s3") throw new Error(`${name} should use S3 state`);
      return state.key;
    });
    expect(new Set(keys).size).toBe(3);
    expect(environmentSettings("local", {}).state.kind).toBe("local");
  });

  it("takes the state bucket, accounts and e-mail addresses from variables", () => {
    const settings = environmentSettings("staging", {
      ORDER_FANOUT_STATE_BUCKET: "acme-tfstate",
      ORDER_FANOUT_STAGING_ACCOUNT_IDS: "111111111111, 222222222222",
      ORDER_FANOUT_STAGING_ALARM_EMAIL: "ops@acme.test",
      ORDER_FANOUT_STAGING_SENDER_EMAIL: "orders@acme.test",
    });
    expect(settings.state).toMatchObject({ kind: "s3", bucket: "acme-tfstate" });
    expect(settings.allowedAccountIds).toEqual(["111111111111", "222222222222"]);
    expect(settings.alarmEmail).toBe("ops@acme.test");
    expect(settings.notification.senderEmail).toBe("orders@acme.test");
  });

  it("names the variable holding a malformed account id", () => {
    expect(() => environmentSettings("prod", { ORDER_FANOUT_PROD_ACCOUNT_IDS: "12345" })).toThrow(
      'ORDER_FANOUT_PROD_ACCOUNT_IDS must be comma-separated 12-digit AWS account ids; "12345" is not one',
    );
  });

  it.each(ENVIRONMENT_NAMES)("%s keeps FIFO event sources within 10 per batch and visibility legal", (name) => {
    const s = environmentSettings(name, {});
    expect(s.eventSource.batchSize).toBeLessThanOrEqual(10);
    expect(s.eventSource.maxConcurrency).toBeGreaterThanOrEqual(2);
    expect(s.namePrefix).toBe(`order-fanout-${name}`);
  });
});
