/** What every operator command shares on its command line: parsing, and the usage error (exit 2). */
import { parseArgs, ParseArgsConfig } from "node:util";

/** A command line the command cannot run: printed with a pointer to --help, exit status 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses positionals and `options` (plus `--help`/`-h`); a malformed line is a UsageError. */
export function parseCommandLine<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: { ...options, help: { type: "boolean", short: "h" } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
