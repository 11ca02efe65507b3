import { SQSClient } from "@aws-sdk/client-sqs";
import { GetAccountSettingsCommand, GetFunctionCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { GetAccountCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import {
  GetServiceQuotaCommand,
  ListServiceQuotasCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import { Front, startAwsFront } from "../../../local/emulation/aws-front";
import { AccountQuotas } from "../../../local/emulation/account-quotas";
import { LocalSes } from "../../../local/emulation/ses";
import { MessageMoveTasks } from "../../../local/emulation/move-tasks";
import { Authorizer, functionCredentials } from "../../../local/authz/authorizer";
import { Gate } from "../../../local/authz/gate";
import { parsePolicy } from "../../../local/authz/policy";
import { RequestMapper } from "../../../local/authz/requests";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../contract/local-endpoints";

const ACCOUNT = "000000000000";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/notification-role`;

/** A plan with one role, allowed to send e-mail and nothing the quotas need. */
function gate(): Gate {
  const statements = parsePolicy(
    JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "ses:SendEmail", Resource: "*" }] }),
    "test",
    "identity",
  );
  const access = {
    roles: new Map([[ROLE, { address: "aws_iam_role.n", name: "notification-role", arn: ROLE, statements }]]),
    resourcePolicies: new Map(),
  };
  const mapper = new RequestMapper({
    region: LOCAL_REGION,
    accountId: ACCOUNT,
    keys: new Map(),
    sesIdentities: ["orders@localhost"],
    subscribers: new Map(),
  });
  return new Gate(new Authorizer(access, ACCOUNT), mapper);
}

const ses = new LocalSes({ identities: ["orders@localhost"], configurationSets: [] }, LOCAL_REGION, {
  maxSendRate: 14,
  max24HourSend: 50_000,
});
const quotas = new AccountQuotas(
  {
    region: LOCAL_REGION,
    accountId: ACCOUNT,
    lambdaConcurrency: 1000,
    reservedConcurrency: 10,
    functions: { count: 6, codeSize: 123_456 },
    tableThroughput: { readUnitsPerSecond: 40_000, writeUnitsPerSecond: 30_000 },
  },
  ses,
);

let front: Front;
const sqs = new SQSClient({ region: LOCAL_REGION, endpoint: "http://127.0.0.1:9", credentials: LOCAL_CREDENTIALS });

beforeAll(async () => {
  front = await startAwsFront({
    port: 0,
    // Never reached: the quotas are answered by the front itself.
    fauxqs: { endpoint: "http://127.0.0.1:9", queueUrlOrigin: "http://127.0.0.1:9" },
    gate: gate(),
    tasks: new MessageMoveTasks(sqs, []),
    ses,
    invoke: () => undefined,
    functionArn: (name) => `arn:aws:lambda:${LOCAL_REGION}:${ACCOUNT}:function:${name}`,
    account: quotas,
  });
});
afterAll(async () => {
  await front.stop();
  sqs.destroy();
});

const config = (credentials = LOCAL_CREDENTIALS) => ({
  region: LOCAL_REGION,
  endpoint: front.endpoint,
  credentials,
  maxAttempts: 1,
});
const asRole = functionCredentials(ROLE);

describe("the account's quotas on the local AWS endpoint", () => {
  it("answers Lambda's GetAccountSettings with the account's concurrency, less what the plan reserves", async () => {
    const lambda = new LambdaClient(config());
    const answer = await lambda.send(new GetAccountSettingsCommand({}));
    expect(answer.AccountLimit).toEqual({
      ConcurrentExecutions: 1000,
      UnreservedConcurrentExecutions: 990,
      TotalCodeSize: 80_530_636_800,
      CodeSizeUnzipped: 262_144_000,
      CodeSizeZipped: 52_428_800,
    });
    expect(answer.AccountUsage).toEqual({ TotalCodeSize: 123_456, FunctionCount: 6 });
    lambda.destroy();
  });

  it("answers SES's GetAccount with the send quota, counting the e-mails sent in the last 24 hours per recipient", async () => {
    const client = new SESv2Client(config());
    const before = (await client.send(new GetAccountCommand({}))).SendQuota!.SentLast24Hours!;
    const mail = (to: string[]) =>
      ses.answer(
        "POST",
        "/v2/email/outbound-emails",
        Buffer.from(
          JSON.stringify({
            FromEmailAddress: "orders@localhost",
            Destination: { ToAddresses: to },
            Content: { Simple: { Subject: { Data: "Order" }, Body: { Text: { Data: "Thanks" } } } },
          }),
        ),
      );
    expect(mail(["ada@example.com"]).status).toBe(200);
    expect(mail(["bob@example.com", "cy@example.com"]).status).toBe(200);
    const answer = await client.send(new GetAccountCommand({}));
    expect(answer).toMatchObject({
      SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: before + 3 },
      ProductionAccessEnabled: true,
      SendingEnabled: true,
      EnforcementStatus: "HEALTHY",
      DedicatedIpAutoWarmupEnabled: false,
    });
    client.destroy();
  });

  it.each([
    ["dynamodb", "L-CF0CBE56", "Amazon DynamoDB", "Table-level read throughput limit", 40_000],
    ["dynamodb", "L-AB614373", "Amazon DynamoDB", "Table-level write throughput limit", 30_000],
    ["lambda", "L-B99A9384", "AWS Lambda", "Concurrent executions", 1000],
  ])("answers GetServiceQuota for %s %s", async (ServiceCode, QuotaCode, ServiceName, QuotaName, Value) => {
    const client = new ServiceQuotasClient(config());
    const answer = await client.send(new GetServiceQuotaCommand({ ServiceCode, QuotaCode }));
    expect(answer.Quota).toEqual({
      ServiceCode,
      ServiceName,
      QuotaArn: `arn:aws:servicequotas:${LOCAL_REGION}:${ACCOUNT}:${ServiceCode}/${QuotaCode}`,
      QuotaCode,
      QuotaName,
      Value,
      Unit: "None",
      Adjustable: true,
      GlobalQuota: false,
    });
    client.destroy();
  });

  it("answers an unknown quota code with NoSuchResourceException", async () => {
    const client = new ServiceQuotasClient(config());
    const call = client.send(new GetServiceQuotaCommand({ ServiceCode: "dynamodb", QuotaCode: "L-00000000" }));
    await expect(call).rejects.toBeInstanceOf(NoSuchResourceException);
    await expect(call).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    client.destroy();
  });

  it("refuses another Service Quotas operation", async () => {
    const client = new ServiceQuotasClient(config());
    await expect(client.send(new ListServiceQuotasCommand({ ServiceCode: "lambda" }))).rejects.toMatchObject({
      name: "UnknownOperationException",
    });
    client.destroy();
  });

  it.each([
    [
      "lambda:GetAccountSettings",
      () => new LambdaClient(config(asRole)).send(new GetAccountSettingsCommand({})),
      { $metadata: { httpStatusCode: 403 } },
    ],
    [
      "ses:GetAccount",
      () => new SESv2Client(config(asRole)).send(new GetAccountCommand({})),
      { $metadata: { httpStatusCode: 403 } },
    ],
    [
      "servicequotas:GetServiceQuota",
      () =>
        new ServiceQuotasClient(config(asRole)).send(
          new GetServiceQuotaCommand({ ServiceCode: "lambda", QuotaCode: "L-B99A9384" }),
        ),
      { $metadata: { httpStatusCode: 400 } },
    ],
  ])("refuses a role of the plan %s, as AccessDenied naming the action", async (action, call, shape) => {
    const refused = call();
    await expect(refused).rejects.toMatchObject({ name: "AccessDeniedException", ...shape });
    await expect(refused).rejects.toThrow(action);
  });

  it("still refuses any other Lambda request", async () => {
    const lambda = new LambdaClient(config());
    await expect(lambda.send(new GetFunctionCommand({ FunctionName: "orders-api" }))).rejects.toMatchObject({
      name: "InvalidRequestContentException",
      message: expect.stringContaining("answers Lambda's Invoke and GetAccountSettings only, not GET"),
    });
    lambda.destroy();
  });
});
