/**
 * The account's real quotas beside what an environment is designed for, read where the deployment
 * happens (CI's plan jobs, before `terraform plan`, and any operator): Lambda concurrency and
 * DynamoDB's table-level throughput fail an apply that asks for more than the account has; SES's
 * rate and 24-hour quota refuse e-mail at the peak. Synth checks the settings against the figures
 * the settings state; this checks those figures against the account.
 */
import { GetAccountSettingsCommand, LambdaClient } from "@aws-sdk/client-lambda";
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import { GetAccountCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { EnvironmentSettings, TableKind } from "../stacks/environments";
import { UNRESERVED_MINIMUM } from "../stacks/settings-checks";

export interface AccountFigures {
  readonly lambdaConcurrency: number;
  readonly tableReadUnits: number;
  readonly tableWriteUnits: number;
  readonly sesMaxSendRate: number;
  /** -1: unlimited (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendQuota.html). */
  readonly sesMax24HourSend: number;
  readonly sesProductionAccess: boolean;
}

export interface AccountClients {
  readonly lambda: LambdaClient;
  readonly quotas: ServiceQuotasClient;
  readonly ses: SESv2Client;
}

/** DynamoDB's table-level throughput quotas, which warm throughput may not exceed. */
const TABLE_QUOTAS = { read: "L-CF0CBE56", write: "L-AB614373" } as const;

/** A figure the answer did not hold: the check cannot be made, which is itself a failure. */
export class MissingFigureError extends Error {
  constructor(what: string) {
    super(`the account's ${what} was not in AWS's answer: the quotas cannot be checked`);
    this.name = "MissingFigureError";
  }
}

const figure = (value: number | undefined, what: string): number => {
  if (value === undefined || !Number.isFinite(value)) throw new MissingFigureError(what);
  return value;
};

export async function readAccountFigures(clients: AccountClients): Promise<AccountFigures> {
  // GetServiceQuota answers only quotas with an applied value; an account that never raised one
  // gets NoSuchResourceException, and AWS's default is the account's figure
  // (https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/API_GetServiceQuota.html).
  const tableQuota = async (code: string) => {
    const input = { ServiceCode: "dynamodb", QuotaCode: code };
    try {
      return figure((await clients.quotas.send(new GetServiceQuotaCommand(input))).Quota?.Value, code);
    } catch (error) {
      if (!(error instanceof NoSuchResourceException)) throw error;
      return figure((await clients.quotas.send(new GetAWSDefaultServiceQuotaCommand(input))).Quota?.Value, code);
    }
  };
  const [settings, read, write, ses] = await Promise.all([
    clients.lambda.send(new GetAccountSettingsCommand({})),
    tableQuota(TABLE_QUOTAS.read),
    tableQuota(TABLE_QUOTAS.write),
    clients.ses.send(new GetAccountCommand({})),
  ]);
  return {
    lambdaConcurrency: figure(settings.AccountLimit?.ConcurrentExecutions, "Lambda concurrency"),
    tableReadUnits: read,
    tableWriteUnits: write,
    sesMaxSendRate: figure(ses.SendQuota?.MaxSendRate, "SES maximum send rate"),
    sesMax24HourSend: figure(ses.SendQuota?.Max24HourSend, "SES 24-hour quota"),
    sesProductionAccess: ses.ProductionAccessEnabled === true,
  };
}

export interface QuotaCheck {
  /** The quota, as Service Quotas names it. */
  readonly quota: string;
  /** What the environment needs of it, and why. */
  readonly needed: number;
  readonly neededFor: string;
  readonly account: number;
  /** Short of it: an apply fails (`deploy`), or e-mail is refused at the peak (`peak`). */
  readonly short?: "deploy" | "peak";
}

const largestWarm = (s: EnvironmentSettings, side: "readUnitsPerSecond" | "writeUnitsPerSecond") =>
  Math.max(0, ...Object.values(s.warmThroughput ?? {}).map((w) => w[side]));

/** Each quota the environment depends on, with the account's figure and whether it falls short. */
export function checkAccount(s: EnvironmentSettings, account: AccountFigures): QuotaCheck[] {
  const { maxSendRate, dailyQuota } = s.notification;
  const unlimited = account.sesMax24HourSend === -1;
  const warmTables = (Object.keys(s.warmThroughput ?? {}) as TableKind[]).join(", ") || "no table";
  const checks: QuotaCheck[] = [
    {
      quota: "AWS Lambda › Concurrent executions (L-B99A9384)",
      needed: s.accountConcurrency,
      neededFor: `the design's concurrency (accountConcurrency; an apply fails below the API's ${s.apiReservedConcurrency} reserved + ${UNRESERVED_MINIMUM})`,
      account: account.lambdaConcurrency,
      short:
        account.lambdaConcurrency < s.apiReservedConcurrency + UNRESERVED_MINIMUM
          ? "deploy"
          : account.lambdaConcurrency < s.accountConcurrency
            ? "peak"
            : undefined,
    },
    ...(["read", "write"] as const).map((side): QuotaCheck => {
      const needed = largestWarm(s, side === "read" ? "readUnitsPerSecond" : "writeUnitsPerSecond");
      const figure = side === "read" ? account.tableReadUnits : account.tableWriteUnits;
      return {
        quota: `Amazon DynamoDB › Table-level ${side} throughput limit (${TABLE_QUOTAS[side]})`,
        needed,
        neededFor: `warm throughput of ${warmTables}`,
        account: figure,
        short: figure < needed ? "deploy" : undefined,
      };
    }),
    {
      quota: "Amazon SES › Sending rate (L-CDEF9B6B)",
      needed: maxSendRate,
      neededFor: "notification.maxSendRate, the rate its senders pace to",
      account: account.sesMaxSendRate,
      short: account.sesMaxSendRate < maxSendRate ? "peak" : undefined,
    },
    {
      quota: "Amazon SES › Sending quota (L-804C8AE8)",
      needed: dailyQuota,
      neededFor: "notification.dailyQuota, e-mails in 24 hours",
      account: account.sesMax24HourSend,
      short: !unlimited && account.sesMax24HourSend < dailyQuota ? "peak" : undefined,
    },
  ];
  return checks;
}

/** One line per quota, then what falls short and what that means. */
export function formatChecks(checks: QuotaCheck[], account: AccountFigures, where: string): string {
  const lines = checks.map((c) => {
    const verdict = c.short === "deploy" ? "SHORT: an apply fails" : c.short === "peak" ? "SHORT at the peak" : "ok";
    const figure = c.account === -1 ? "unlimited" : String(c.account);
    return `${verdict.padEnd(21)} ${c.quota}: the account has ${figure}, needed ${c.needed} (${c.neededFor})`;
  });
  if (!account.sesProductionAccess)
    lines.push("note                  SES is in the sandbox in this account: it sends only to verified addresses");
  const short = checks.filter((c) => c.short);
  lines.push(
    short.length
      ? `${short.length} quota(s) of ${where} short: request the raise in Service Quotas (docs/scale.md, "Quotas to raise before the peak"), or design for less`
      : `every quota ${where} depends on is there`,
  );
  return lines.join("\n");
}
