/** `npm run ops -- unused-grants`: the local plan's grants no call used (the work: local/authz/unused-grants.ts). */
import { DEFAULT_PORTS } from "../contract/local-endpoints";
import { formatUnusedGrants, fromReports, fromRuntime } from "../local/authz/unused-grants";
import { parseCommandLine, UsageError } from "../ops/cli";
import { runCommand } from "./frame";

export const UNUSED_GRANTS_USAGE = `Usage:
  npm run ops -- unused-grants [--from <dir>] [--json]

Lists the grants of the local plan's policies that no call used, with the reason when one is known;
exits 1 when a grant is unused for no known reason.
  (no --from)   from the running local runtime (LOCAL_API_URL, default http://localhost:${DEFAULT_PORTS.api}): what
                this session used so far.
  --from <dir>  from the reports the end-to-end suite saves with E2E_GRANTS=<dir> (npm run test:e2e).
  --json        the grants and their uses as JSON.`;

/** `unused-grants ...` without the command word; answers the exit status (1 when a grant is unused for no known reason). */
export async function unusedGrantsCommand(argv: string[]): Promise<number> {
  const frame = { name: "ops", usage: UNUSED_GRANTS_USAGE, help: "unused-grants --help" };
  return runCommand(frame, argv, async () => {
    const { positionals, values } = parseCommandLine(argv, { from: { type: "string" }, json: { type: "boolean" } });
    if (positionals.length > 0) throw new UsageError(`unused-grants takes no operand, got ${positionals[0]}`);
    const grants = values.from ? fromReports(values.from) : await fromRuntime();
    if (values.json) {
      console.log(JSON.stringify(grants, null, 2));
      return 0;
    }
    const { text, unexplained } = formatUnusedGrants(grants);
    console.log(text);
    return unexplained > 0 ? 1 : 0;
  });
}
