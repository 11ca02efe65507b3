import { mockClient } from "aws-sdk-client-mock";
import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import { GetAccountCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { AccountFigures, checkAccount, formatChecks, readAccountFigures } from "../../ops/account-quotas";
import { environmentSettings } from "../../stacks/environments";

const prod = environmentSettings("prod", {});

/** An account with what prod asks for. */
const enough: AccountFigures = {
  lambdaConcurrency: 3500,
  tableReadUnits: 60_000,
  tableWriteUnits: 150_000,
  sesMaxSendRate: 10_000,
  sesMax24HourSend: 135_000_000,
  sesProductionAccess: true,
};

describe("the account's quotas beside an environment's needs", () => {
  it("reads each figure from the call AWS answers it with", async () => {
    const lambda = mockClient(LambdaClient);
    const quotas = mockClient(ServiceQuotasClient);
    const ses = mockClient(SESv2Client);
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 3500 } });
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: "dynamodb", QuotaCode: "L-CF0CBE56" })
      .resolves({ Quota: { Value: 60_000 } })
      .on(GetServiceQuotaCommand, { ServiceCode: "dynamodb", QuotaCode: "L-AB614373" })
      .resolves({ Quota: { Value: 150_000 } });
    ses.on(GetAccountCommand).resolves({
      SendQuota: { MaxSendRate: 10_000, Max24HourSend: 135_000_000, SentLast24Hours: 12 },
      ProductionAccessEnabled: true,
    });
    const clients = { lambda: new LambdaClient({}), quotas: new ServiceQuotasClient({}), ses: new SESv2Client({}) };
    expect(await readAccountFigures(clients)).toEqual(enough);
  });

  it("takes AWS's default for a quota never raised, and refuses to check with a figure missing", async () => {
    const lambda = mockClient(LambdaClient);
    const quotas = mockClient(ServiceQuotasClient);
    const ses = mockClient(SESv2Client);
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000 } });
    quotas
      .on(GetServiceQuotaCommand)
      .rejects(
        new NoSuchResourceException({
          message: "The request failed because the specified service quota does not exist.",
          $metadata: {},
        }),
      )
      .on(GetAWSDefaultServiceQuotaCommand)
      .resolves({ Quota: { Value: 40_000 } });
    ses.on(GetAccountCommand).resolves({ SendQuota: { MaxSendRate: 14, Max24HourSend: 50_000 } });
    const clients = { lambda: new LambdaClient({}), quotas: new ServiceQuotasClient({}), ses: new SESv2Client({}) };
    expect(await readAccountFigures(clients)).toMatchObject({ tableReadUnits: 40_000, tableWriteUnits: 40_000 });
    ses.on(GetAccountCommand).resolves({});
    await expect(readAccountFigures(clients)).rejects.toThrow(
      "the account's SES maximum send rate was not in AWS's answer: the quotas cannot be checked",
    );
  });

  it("finds nothing short when the account has what the design asks", () => {
    const checks = checkAccount(prod, enough);
    expect(checks.map((c) => c.quota)).toEqual([
      "AWS Lambda › Concurrent executions (L-B99A9384)",
      "Amazon DynamoDB › Table-level read throughput limit (L-CF0CBE56)",
      "Amazon DynamoDB › Table-level write throughput limit (L-AB614373)",
      "Amazon SES › Sending rate (L-CDEF9B6B)",
      "Amazon SES › Sending quota (L-804C8AE8)",
    ]);
    expect(checks.filter((c) => c.short)).toEqual([]);
  });

  it("tells a quota an apply would be refused for from one that refuses e-mail at the peak", () => {
    const fresh = {
      lambdaConcurrency: 1000,
      tableReadUnits: 40_000,
      tableWriteUnits: 40_000,
      sesMaxSendRate: 14,
      sesMax24HourSend: 50_000,
      sesProductionAccess: true,
    };
    const short = Object.fromEntries(checkAccount(prod, fresh).map((c) => [c.quota.replace(/ \(.*/, ""), c.short]));
    expect(short).toEqual({
      // 1,000 leaves no room for the API's 1,000 reserved plus the 100 Lambda keeps unreserved.
      "AWS Lambda › Concurrent executions": "deploy",
      "Amazon DynamoDB › Table-level read throughput limit": "deploy",
      "Amazon DynamoDB › Table-level write throughput limit": "deploy",
      "Amazon SES › Sending rate": "peak",
      "Amazon SES › Sending quota": "peak",
    });
    const text = formatChecks(checkAccount(prod, fresh), fresh, "prod (eu-west-1)");
    expect(text).toContain(
      "SHORT: an apply fails Amazon DynamoDB › Table-level write throughput limit (L-AB614373): the account has 40000, needed 150000",
    );
    expect(text).toContain("5 quota(s) of prod (eu-west-1) short");
  });

  it("takes an unlimited 24-hour quota as enough, and says when SES is still in the sandbox", () => {
    const sandbox = { ...enough, sesMax24HourSend: -1, sesProductionAccess: false };
    const checks = checkAccount(prod, sandbox);
    expect(checks.filter((c) => c.short)).toEqual([]);
    const text = formatChecks(checks, sandbox, "prod (eu-west-1)");
    expect(text).toContain("the account has unlimited");
    expect(text).toContain("SES is in the sandbox in this account");
  });
});
