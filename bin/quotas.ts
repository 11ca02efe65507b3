/**
 * `npm run ops -- quotas --env <env>`: the account's quotas beside what the environment needs of
 * them (the work: ops/account-quotas.ts). CI's plan jobs run it before `terraform plan`.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { ENVIRONMENT_NAMES } from "../stacks/environments";
import { resolveTarget } from "../ops/target";
import { checkAccount, formatChecks, readAccountFigures } from "../ops/account-quotas";
import { parseCommandLine, UsageError } from "../ops/cli";
import { runCommand } from "./frame";

export const QUOTAS_USAGE = `Usage:
  npm run ops -- quotas --env <env> [--json]

Reads the account's figures (Lambda's GetAccountSettings, Service Quotas' GetServiceQuota for
DynamoDB's table-level throughput, SES's GetAccount) and prints each beside what the environment
needs: Lambda concurrency and warm throughput that an apply would be refused, and the SES rate and
24-hour quota the e-mail objective needs at the peak. Needs lambda:GetAccountSettings,
servicequotas:GetServiceQuota and ses:GetAccount (CI's plan roles have them: docs/deploy.md).
  --env <env>   ${ENVIRONMENT_NAMES.join(", ")}. AWS environments use the default credential chain and the
                environment's region; local uses the runtime of \`npm start\` (AWS_ENDPOINT_URL_SQS,
                default http://localhost:4566, which answers the three calls).
  --json        The figures and checks as JSON.

Exit status: 0 when an apply gets what it asks for (a quota short only for the peak is printed as
SHORT at the peak), 1 when an apply would be refused or anything failed, 2 for a usage error.`;

/** `quotas ...` without the command word; answers the exit status. */
export async function quotasCommand(argv: string[]): Promise<number> {
  return runCommand({ name: "quotas", usage: QUOTAS_USAGE }, argv, async () => {
    const args = parseCommandLine(argv, { env: { type: "string" }, json: { type: "boolean" } });
    if (args.positionals.length > 0) throw new UsageError("quotas takes no operand");
    if (!args.values.env) throw new UsageError("--env is required");
    const target = resolveTarget(args.values.env);
    const clients = {
      lambda: new LambdaClient(target.account),
      quotas: new ServiceQuotasClient(target.account),
      ses: new SESv2Client(target.account),
    };
    try {
      const account = await readAccountFigures(clients);
      const checks = checkAccount(target.settings, account);
      console.log(
        args.values.json
          ? JSON.stringify({ account, checks }, null, 2)
          : formatChecks(checks, account, target.description),
      );
      // Short for the peak only: said, but an apply still succeeds.
      return checks.some((c) => c.short === "deploy") ? 1 : 0;
    } finally {
      for (const client of Object.values(clients)) client.destroy();
    }
  });
}
