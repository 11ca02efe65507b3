import { EnvironmentSettings, SettingsError, variableName } from "./environments";
import { CONSUMER_SERVICES } from "../contract/services";
import { NUMERIC_FILTER_LIMIT } from "../contract/events";
import { sendIntervalMs } from "../contract/send-pace";

/**
 * Lambda keeps this much of the account's concurrency unreserved: "You can reserve up to the
 * Unreserved account concurrency value that is shown, minus 100 for functions that don't have
 * reserved concurrency." https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
 */
export const UNRESERVED_MINIMUM = 100;

/**
 * Refuses, at synth, settings that are wrong whatever the deployment: an anonymous API anywhere but
 * the local stack, and concurrency or warm throughput the account cannot give. Each message names the setting.
 */
export function checkSettings(s: EnvironmentSettings): void {
  const where = `environment "${s.name}"`;
  if (s.apiAuthorization === "NONE" && s.name !== "local") {
    throw new SettingsError(
      `${where}: apiAuthorization NONE would open the orders API (and every customer's order) to the internet; ` +
        "only the local stack may use it, AWS environments use AWS_IAM",
    );
  }
  for (const [currency, threshold] of Object.entries(s.reviewThresholdCents)) {
    if (!Number.isInteger(threshold) || threshold < 0 || threshold > NUMERIC_FILTER_LIMIT) {
      throw new SettingsError(
        `${where}: the ${currency} review threshold must be whole cents from 0 to ${NUMERIC_FILTER_LIMIT} ` +
          `(SNS's numeric filter range), got ${threshold}`,
      );
    }
  }
  const reserved = s.apiReservedConcurrency;
  const quotaVariable = variableName(s.name, "ACCOUNT_CONCURRENCY");
  if (!Number.isInteger(reserved) || reserved < 1) {
    throw new SettingsError(`${where}: apiReservedConcurrency must be a whole number of at least 1, got ${reserved}`);
  }
  if (s.accountConcurrency - reserved < UNRESERVED_MINIMUM) {
    throw new SettingsError(
      `${where}: apiReservedConcurrency ${reserved} leaves ${s.accountConcurrency - reserved} of the account's ` +
        `${s.accountConcurrency} unreserved; Lambda keeps at least ${UNRESERVED_MINIMUM} (raise the quota and set ` +
        `${quotaVariable}, or reserve less)`,
    );
  }
  const consumers = CONSUMER_SERVICES.reduce((n, service) => n + s.eventSource.maxConcurrency[service], 0);
  if (reserved + consumers > s.accountConcurrency) {
    throw new SettingsError(
      `${where}: the orders API's reserved concurrency (${reserved}) plus ${CONSUMER_SERVICES.length} consumers at ` +
        `their maximum concurrency (${consumers}) exceed the account's concurrency ` +
        `(${s.accountConcurrency}); raise the quota and set ${quotaVariable}, or lower them`,
    );
  }
  checkSendRate(s, where);
  checkWarmThroughput(s, where);
}

/** No table asks for more warm throughput than the account's table-level quota lets it have. */
function checkWarmThroughput(s: EnvironmentSettings, where: string): void {
  for (const [table, warm] of Object.entries(s.warmThroughput ?? {})) {
    for (const [unit, setting] of [
      ["readUnitsPerSecond", "READ"],
      ["writeUnitsPerSecond", "WRITE"],
    ] as const) {
      const quota = s.tableThroughputQuota[unit];
      if (warm[unit] > quota) {
        throw new SettingsError(
          `${where}: the ${table} table's warm throughput (${warm[unit]} ${unit}) is above the account's ` +
            `table-level quota (${quota}); request the raise in Service Quotas (Amazon DynamoDB › Table-level ` +
            `${setting.toLowerCase()} throughput limit) and set ${variableName(s.name, `TABLE_${setting}_QUOTA`)}, ` +
            "or ask for less",
        );
      }
    }
  }
}

/**
 * E-mails one notification environment sends in half its function's timeout, paced to its share
 * of the SES rate by the handler's own rule (contract/send-pace.ts); 0 for a rate of 0.
 */
export function emailsPerHalfTimeout(s: EnvironmentSettings, maxSendRate: number): number {
  if (!(maxSendRate > 0)) return 0;
  const intervalMs = sendIntervalMs({ maxSendRate, senders: s.eventSource.maxConcurrency.notification });
  return (s.lambda.timeoutSeconds * 500) / intervalMs;
}

/** A paced notification environment must fit at least one e-mail in half its timeout (see FanoutStack). */
function checkSendRate(s: EnvironmentSettings, where: string): void {
  if (s.notification.transport !== "ses") return;
  const { maxSendRate } = s.notification;
  const senders = s.eventSource.maxConcurrency.notification;
  if (emailsPerHalfTimeout(s, maxSendRate) < 1) {
    throw new SettingsError(
      `${where}: notification.maxSendRate ${maxSendRate}/s shared by ${senders} notification environments ` +
        `leaves each less than one e-mail per half timeout (${s.lambda.timeoutSeconds / 2} s); raise the SES ` +
        "rate or lower the notification consumer's maximum concurrency",
    );
  }
  const { dailyQuota, objective } = s.notification;
  if (!Number.isInteger(dailyQuota) || dailyQuota < 1)
    throw new SettingsError(
      `${where}: notification.dailyQuota must be the account's 24-hour SES quota, got ${dailyQuota}`,
    );
  if (!objective) return;
  if (!(objective.percent > 0 && objective.percent <= 100) || !(objective.withinMinutes > 0))
    throw new SettingsError(
      `${where}: notification.objective needs a percent above 0 up to 100 and minutes above 0, got ${JSON.stringify(objective)}`,
    );
  // A sustained peak above the rate backs e-mail up without bound: no objective can hold.
  if (maxSendRate < s.peakOrdersPerSecond)
    throw new SettingsError(
      `${where}: notification.objective cannot hold at the design peak: the SES rate ${maxSendRate}/s is below ` +
        `its ${s.peakOrdersPerSecond} confirmations/s; raise the rate or drop the objective`,
    );
}
