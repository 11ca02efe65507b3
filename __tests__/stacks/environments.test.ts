import { ENVIRONMENT_NAMES, environmentSettings } from "../../stacks/environments";

describe("environment settings", () => {
  it("uses IAM authorization in every AWS environment", () => {
    for (const name of ["dev", "staging", "prod"] as const) {
      expect(environmentSettings(name, {}).apiAuthorization).toBe("AWS_IAM");
    }
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
      ORDER_FANOUT_STAGING_ALARM_EMAIL: "ops@acme.co.uk",
      ORDER_FANOUT_STAGING_SENDER_EMAIL: "orders@acme.co.uk",
      ORDER_FANOUT_STAGING_SENDER_IDENTITY: "domain",
      ORDER_FANOUT_STAGING_ROLE_ARN: "arn:aws:iam::222222222222:role/order-fanout-deploy",
      ORDER_FANOUT_STAGING_ACCOUNT_CONCURRENCY: "3000",
    });
    expect(settings.state).toMatchObject({ kind: "s3", bucket: "acme-tfstate" });
    expect(settings.allowedAccountIds).toEqual(["111111111111", "222222222222"]);
    expect(settings.alarmEmail).toBe("ops@acme.co.uk");
    expect(settings.notification).toEqual({
      transport: "ses",
      senderEmail: "orders@acme.co.uk",
      senderIdentity: "domain",
      maxSendRate: 14,
      dailyQuota: 50_000,
    });
    expect(settings.roleArn).toBe("arn:aws:iam::222222222222:role/order-fanout-deploy");
    expect(settings.accountConcurrency).toBe(3000);
  });

  it("leaves what only a deployment needs unset when its variable is unset", () => {
    const settings = environmentSettings("dev", {});
    expect(settings.alarmEmail).toBeUndefined();
    expect(settings.notification).toEqual({
      transport: "ses",
      senderIdentity: "address",
      maxSendRate: 1,
      dailyQuota: 200,
    });
    expect(settings.roleArn).toBeUndefined();
    expect(settings.accountConcurrency).toBe(1000);
  });

  it.each([
    ["ORDER_FANOUT_DEV_SENDER_EMAIL", "orders@example.com", /ORDER_FANOUT_DEV_SENDER_EMAIL is at a domain reserved/],
    ["ORDER_FANOUT_DEV_SENDER_EMAIL", "shop@mail.EXAMPLE.org", /ORDER_FANOUT_DEV_SENDER_EMAIL is at a domain reserved/],
    ["ORDER_FANOUT_DEV_ALARM_EMAIL", "oncall@acme.test", /ORDER_FANOUT_DEV_ALARM_EMAIL is at a domain reserved/],
    ["ORDER_FANOUT_DEV_ALARM_EMAIL", "oncall", /ORDER_FANOUT_DEV_ALARM_EMAIL must be an e-mail address, got "oncall"/],
    ["ORDER_FANOUT_DEV_SENDER_IDENTITY", "dns", /ORDER_FANOUT_DEV_SENDER_IDENTITY must be "address" or "domain"/],
    ["ORDER_FANOUT_DEV_ROLE_ARN", "deployer", /ORDER_FANOUT_DEV_ROLE_ARN must be an IAM role ARN/],
    ["ORDER_FANOUT_DEV_ACCOUNT_CONCURRENCY", "lots", /ORDER_FANOUT_DEV_ACCOUNT_CONCURRENCY must be/],
    ["ORDER_FANOUT_DEV_TABLE_WRITE_QUOTA", "0", /ORDER_FANOUT_DEV_TABLE_WRITE_QUOTA must be the account's DynamoDB/],
  ])("refuses %s=%s at synth, naming the variable", (variable, value, message) => {
    expect(() => environmentSettings("dev", { [variable]: value })).toThrow(message);
  });

  it("names the variable holding a malformed account id", () => {
    expect(() => environmentSettings("prod", { ORDER_FANOUT_PROD_ACCOUNT_IDS: "12345" })).toThrow(
      'ORDER_FANOUT_PROD_ACCOUNT_IDS must be comma-separated 12-digit AWS account ids; "12345" is not one',
    );
  });

  it.each(ENVIRONMENT_NAMES)("%s keeps FIFO event sources within 10 per batch and visibility legal", (name) => {
    const s = environmentSettings(name, {});
    expect(s.eventSource.batchSize).toBeLessThanOrEqual(10);
    for (const n of Object.values(s.eventSource.maxConcurrency)) {
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(1000);
    }
    expect(s.namePrefix).toBe(`order-fanout-${name}`);
  });
});
