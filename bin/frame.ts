/**
 * The frame every command line of `npm run ops` and `npm run catalogue` runs in: `--help`, a usage
 * error (exit 2, with a pointer to --help), and any other error said in one line in terms of the
 * command (exit 1): which endpoint did not answer, which credentials are missing, which resource
 * does not exist where.
 */
import { UsageError } from "../ops/cli";
import { OpsTarget, UnknownEnvironmentError, UnknownServiceError } from "../ops/target";

// The SDK warns per client on Node 20 (past end of life); Lambda runs Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

/** What a command reaches once its command line is checked: the names its errors are explained with. */
export interface Reach {
  readonly target: OpsTarget;
  /** The service it calls (`SQS`, `SNS`, `DynamoDB`), named by its endpoint variable `AWS_ENDPOINT_URL_<service>`. */
  readonly service: "SQS" | "SNS" | "DYNAMODB";
  /** Where it calls that service (locally the runtime's endpoint). */
  readonly endpoint?: string;
  /** What a not-found error means, e.g. `table order-fanout-dev-products`. */
  readonly resource: string;
}

export interface CommandFrame {
  /** The first word of its error lines: `ops`, `catalogue`, `replay`. */
  readonly name: string;
  readonly usage: string;
  /** Where a usage error points to (default `--help`). */
  readonly help?: string;
  /** The command's own errors as the lines to print (exit 1); undefined for any other error. */
  describe?(error: unknown): string[] | undefined;
}

const NOT_FOUND = new Set([
  "QueueDoesNotExist",
  "AWS.SimpleQueueService.NonExistentQueue",
  "ResourceNotFoundException",
  "NotFoundException",
  "NotFound",
]);

/** An error whose SDK wording leaves an operator guessing, said in terms of what the command reaches. */
export function explained(error: Error, reach: Reach): string {
  const { target } = reach;
  const local = target.settings.name === "local";
  const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  // The SDK wraps a refused connection ("AWS SDK error wrapper for Error: connect ECONNREFUSED ...").
  const refused = code === "ECONNREFUSED" || /\bECONNREFUSED\b/.test(error.message);
  if (refused && local)
    return `nothing answers at ${reach.endpoint ?? target.description}: start the local runtime (npm start), or point AWS_ENDPOINT_URL_${reach.service} at it`;
  if (error.name === "CredentialsProviderError")
    return `no AWS credentials for ${target.description}: ${error.message}`;
  if (NOT_FOUND.has(error.name)) {
    const hint = local
      ? "is the local runtime (npm start) the one answering?"
      : `is the ${target.settings.name} stack deployed?`;
    return `${reach.resource} does not exist in ${target.description}: ${hint}`;
  }
  return error.message;
}

/**
 * Runs one command line: `body` checks it (a UsageError for one it cannot run), says what it reaches
 * through `reached`, does the work and answers the exit status.
 */
export async function runCommand(
  frame: CommandFrame,
  argv: string[],
  body: (reached: (reach: Reach) => void) => Promise<number>,
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(frame.usage);
    return 0;
  }
  let reach: Reach | undefined;
  try {
    return await body((r) => (reach = r));
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof UnknownEnvironmentError ||
      error instanceof UnknownServiceError
    ) {
      console.error(`${frame.name}: ${error.message} (see ${frame.help ?? "--help"})`);
      return 2;
    }
    const lines = frame.describe?.(error);
    if (lines) {
      for (const line of lines) console.error(line);
      return 1;
    }
    console.error(`${frame.name}: ${reach ? explained(error as Error, reach) : (error as Error).message}`);
    return 1;
  }
}

/** Runs `main` when its file is the process's entry point, with the exit status it answers. */
export function runAsMain(module: NodeJS.Module, main: (argv: string[]) => Promise<number>): void {
  if (require.main === module) void main(process.argv.slice(2)).then((status) => (process.exitCode = status));
}
