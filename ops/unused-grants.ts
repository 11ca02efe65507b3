/**
 * `npm run ops -- unused-grants`: every grant of the local plan's policies (each action of each
 * Allow statement of a role, queue, topic, bucket or key policy) that no authorized call used, like
 * IAM Access Analyzer's unused-access findings. Read from the running local runtime, or merged from
 * the reports the end-to-end suite saves (E2E_GRANTS=<dir>, one file per runtime). A grant that is
 * unused locally for a known reason is listed with it; any other is a grant to remove, or a reason
 * to add here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_PORTS } from "../local/runtime/ports";
import { GrantReport, mergeGrantReports } from "../local/authz/grants";
import { globMatches } from "../local/authz/policy";
import { parseCommandLine, UsageError } from "./cli";

export const UNUSED_GRANTS_USAGE = `Usage:
  npm run ops -- unused-grants [--from <dir>] [--json]

Lists the grants of the local plan's policies that no call used, with the reason when one is known;
exits 1 when a grant is unused for no known reason.
  (no --from)   from the running local runtime (LOCAL_API_URL, default http://localhost:${DEFAULT_PORTS.api}): what
                this session used so far.
  --from <dir>  from the reports the end-to-end suite saves with E2E_GRANTS=<dir> (npm run test:e2e).
  --json        the grants and their uses as JSON.`;

/**
 * Grants a local run cannot use, by action or by statement Sid, with why: what only AWS itself
 * does with them. Everything else unused is a finding.
 */
export const UNUSED_LOCALLY: readonly { readonly match: string; readonly reason: string }[] = [
  { match: "logs:*", reason: "Lambda delivers the function's logs with its role; locally they are files" },
  { match: "xray:*", reason: "Lambda sends the function's trace segments with its role; there is no X-Ray locally" },
  { match: "AlarmsPublish", reason: "CloudWatch alarms publish to the ops topic; alarms are not evaluated locally" },
  { match: "Allow_CloudWatch_for_CMK", reason: "CloudWatch alarms use the key to publish to the encrypted ops topic" },
  {
    match: "PowertoolsReadsRecord",
    reason:
      "Powertools idempotency reads a record with GetItem only when DynamoDB's conditional failure does not return it",
  },
];

function reasonFor(grant: GrantReport): string | undefined {
  const sid = / statement (.+)$/.exec(grant.statement)?.[1] ?? "";
  return UNUSED_LOCALLY.find((known) => known.match === sid || globMatches(known.match, grant.action, true))?.reason;
}

async function fromRuntime(): Promise<GrantReport[]> {
  const api = process.env.LOCAL_API_URL ?? `http://localhost:${DEFAULT_PORTS.api}`;
  let response: Response;
  try {
    response = await fetch(`${api}/_local/access/grants`);
  } catch (error) {
    throw new Error(`nothing answers at ${api}: start the local runtime (npm start), or point LOCAL_API_URL at it`, {
      cause: error,
    });
  }
  if (!response.ok) throw new Error(`${api}/_local/access/grants answered ${response.status}`);
  return (await response.json()) as GrantReport[];
}

function fromReports(dir: string): GrantReport[] {
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
  if (files.length === 0)
    throw new Error(`no grant reports in ${dir}: run the end-to-end suite with E2E_GRANTS=${dir}`);
  return mergeGrantReports(files.map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as GrantReport[]));
}

/** The report's lines, and whether some unused grant has no known reason. */
export function formatUnusedGrants(grants: readonly GrantReport[]): { text: string; unexplained: number } {
  const unused = grants.filter((g) => g.uses === 0);
  let unexplained = 0;
  const lines = unused.map((g) => {
    const reason = reasonFor(g);
    if (!reason) unexplained++;
    const owner = g.owner.split(/[:/]/).pop();
    return `  ${owner}  ${g.action} on ${g.resources.join(", ")}  (${g.statement})\n      ${reason ? `unused locally: ${reason}` : "UNUSED: remove it, or add the reason it is needed"}`;
  });
  const used = grants.length - unused.length;
  return {
    text: [
      `${grants.length} grants, ${used} used, ${unused.length} unused (${unexplained} for no known reason)`,
      ...lines,
    ].join("\n"),
    unexplained,
  };
}

export async function unusedGrantsCommand(argv: string[]): Promise<number> {
  let values;
  try {
    const args = parseCommandLine(argv, { from: { type: "string" }, json: { type: "boolean" } });
    if (args.positionals.length > 0) throw new UsageError(`unused-grants takes no operand, got ${args.positionals[0]}`);
    values = args.values;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`ops: ${error.message} (see unused-grants --help)`);
    return 2;
  }
  if (values.help) {
    console.log(UNUSED_GRANTS_USAGE);
    return 0;
  }
  try {
    const grants = values.from ? fromReports(values.from) : await fromRuntime();
    if (values.json) {
      console.log(JSON.stringify(grants, null, 2));
      return 0;
    }
    const { text, unexplained } = formatUnusedGrants(grants);
    console.log(text);
    return unexplained > 0 ? 1 : 0;
  } catch (error) {
    console.error(`ops: ${(error as Error).message}`);
    return 1;
  }
}
