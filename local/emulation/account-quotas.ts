/**
 * The account's quotas on the runtime's AWS endpoint (aws-front.ts routes, local/authz/gate.ts
 * authorizes first), so that `npm run ops -- quotas --env local` reads them with the same three
 * SDK calls as on AWS:
 *
 * - Lambda GetAccountSettings (`GET /2016-08-19/account-settings/`):
 *   https://docs.aws.amazon.com/lambda/latest/api/API_GetAccountSettings.html
 * - SES v2 GetAccount (`GET /v2/email/account`), the send quota from the local SES (ses.ts):
 *   https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html
 * - Service Quotas GetServiceQuota (JSON 1.1, `ServiceQuotasV20190624.GetServiceQuota`) for the
 *   quotas the stack is designed against; any other code is NoSuchResourceException:
 *   https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html
 *
 * The local account stands for a fresh one with AWS's defaults where the local stack is designed
 * for them: the figures are given by the runtime (local-runtime.ts, from the local environment's
 * settings), never invented here.
 */
import { Refusal, restJsonError } from "../authz/gate";
import type { SendQuota } from "./ses";

export interface AccountFigures {
  readonly region: string;
  readonly accountId: string;
  /** Lambda's concurrent executions quota (L-B99A9384). */
  readonly lambdaConcurrency: number;
  /** Concurrency the plan's functions reserve; the rest is unreserved. */
  readonly reservedConcurrency: number;
  /** The plan's functions: how many, and the bytes of their deployment packages (dist/<fn>.zip). */
  readonly functions: { readonly count: number; readonly codeSize: number };
  /** DynamoDB's table-level throughput quotas (L-CF0CBE56 read, L-AB614373 write). */
  readonly tableThroughput: { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number };
}

/** Lambda's fixed limits (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html). */
const LAMBDA_LIMITS = { TotalCodeSize: 80_530_636_800, CodeSizeUnzipped: 262_144_000, CodeSizeZipped: 52_428_800 };

const ACCOUNT_SETTINGS_PATH = /^\/2016-08-19\/account-settings\/?$/;

/** Whether a Lambda request is GetAccountSettings. */
export function isAccountSettings(method: string, urlPath: string): boolean {
  return method === "GET" && ACCOUNT_SETTINGS_PATH.test(urlPath);
}

/** Whether a SES v2 request is GetAccount. */
export function isSesGetAccount(method: string, urlPath: string): boolean {
  return method === "GET" && urlPath === "/v2/email/account";
}

interface QuotaDefinition {
  readonly serviceName: string;
  readonly quotaName: string;
  readonly value: (figures: AccountFigures) => number;
}

/** The quotas answered, by `<ServiceCode>/<QuotaCode>`. */
const QUOTAS: Record<string, QuotaDefinition> = {
  "dynamodb/L-CF0CBE56": {
    serviceName: "Amazon DynamoDB",
    quotaName: "Table-level read throughput limit",
    value: (f) => f.tableThroughput.readUnitsPerSecond,
  },
  "dynamodb/L-AB614373": {
    serviceName: "Amazon DynamoDB",
    quotaName: "Table-level write throughput limit",
    value: (f) => f.tableThroughput.writeUnitsPerSecond,
  },
  "lambda/L-B99A9384": {
    serviceName: "AWS Lambda",
    quotaName: "Concurrent executions",
    value: (f) => f.lambdaConcurrency,
  },
};

const ok = (contentType: string, body: unknown): Refusal => ({
  status: 200,
  headers: { "content-type": contentType },
  body: JSON.stringify(body),
});

/** A Service Quotas (JSON 1.1) error, as its SDK client reads `__type`. */
function json11Error(type: string, message: string): Refusal {
  return {
    status: 400,
    headers: { "content-type": "application/x-amz-json-1.1" },
    body: JSON.stringify({ __type: type, Message: message }),
  };
}

export class AccountQuotas {
  constructor(
    private readonly figures: AccountFigures,
    private readonly ses: { sendQuota(): SendQuota },
  ) {}

  /** Lambda GetAccountSettings. */
  lambdaAccountSettings(): Refusal {
    const { lambdaConcurrency, reservedConcurrency, functions } = this.figures;
    return ok("application/json", {
      AccountLimit: {
        ConcurrentExecutions: lambdaConcurrency,
        UnreservedConcurrentExecutions: Math.max(0, lambdaConcurrency - reservedConcurrency),
        ...LAMBDA_LIMITS,
      },
      AccountUsage: { TotalCodeSize: functions.codeSize, FunctionCount: functions.count },
    });
  }

  /** SES v2 GetAccount: an account with production access, its send quota the local SES's. */
  sesAccount(): Refusal {
    return ok("application/json", {
      SendQuota: this.ses.sendQuota(),
      ProductionAccessEnabled: true,
      SendingEnabled: true,
      EnforcementStatus: "HEALTHY",
      DedicatedIpAutoWarmupEnabled: false,
    });
  }

  /** A Service Quotas request, by its `x-amz-target`: GetServiceQuota only. */
  serviceQuotas(target: string, body: Buffer): Refusal {
    const operation = target.replace(/^ServiceQuotasV20190624\./, "");
    if (operation !== "GetServiceQuota")
      return json11Error(
        "UnknownOperationException",
        `the local runtime answers Service Quotas' GetServiceQuota only, not ${operation}`,
      );
    let input: { ServiceCode?: string; QuotaCode?: string };
    try {
      input = JSON.parse(body.toString("utf8") || "{}") as typeof input;
    } catch {
      return json11Error("SerializationException", "the request body is not JSON");
    }
    const { ServiceCode, QuotaCode } = input;
    if (!ServiceCode || !QuotaCode) return json11Error("ValidationException", "ServiceCode and QuotaCode are required");
    const quota = QUOTAS[`${ServiceCode}/${QuotaCode}`];
    if (!quota)
      return json11Error(
        "NoSuchResourceException",
        `The request failed because the specified service quota does not exist: ${ServiceCode} ${QuotaCode}.`,
      );
    const { region, accountId } = this.figures;
    return ok("application/x-amz-json-1.1", {
      Quota: {
        ServiceCode,
        ServiceName: quota.serviceName,
        QuotaArn: `arn:aws:servicequotas:${region}:${accountId}:${ServiceCode}/${QuotaCode}`,
        QuotaCode,
        QuotaName: quota.quotaName,
        Value: quota.value(this.figures),
        Unit: "None",
        Adjustable: true,
        GlobalQuota: false,
      },
    });
  }
}

/** A Lambda request the endpoint does not answer. */
export function unansweredLambda(method: string, urlPath: string): Refusal {
  const message = `the local runtime answers Lambda's Invoke and GetAccountSettings only, not ${method} ${urlPath}`;
  return restJsonError(400, "InvalidRequestContentException", { Message: message });
}
