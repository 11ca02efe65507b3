/**
 * `npm run ops -- unused-grants` (bin/unused-grants.ts): every grant of the local plan's policies (each action of each
 * Allow statement of a role, queue, topic, bucket or key policy) that no authorized call used, like
 * IAM Access Analyzer's unused-access findings. Read from the running local runtime, or merged from
 * the reports the end-to-end suite saves (E2E_GRANTS=<dir>, one file per runtime). A grant that is
 * unused locally for a known reason is listed with it; any other is a grant to remove, or a reason
 * to add here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_PORTS } from "../../contract/local-endpoints";
import { GrantReport, mergeGrantReports } from "./grants";
import { globMatches } from "./policy";

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

/** The grants of the running local runtime, as it used them so far. */
export async function fromRuntime(): Promise<GrantReport[]> {
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

/** The grants of the reports the end-to-end suite saved, merged. */
export function fromReports(dir: string): GrantReport[] {
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
