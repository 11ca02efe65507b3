/**
 * `npm run ops`: an environment's queues, functions and alarms, and its dead-letter queues. The
 * same code for AWS and for the local runtime (ops/target.ts); each command in its own module.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { ENVIRONMENT_NAMES } from "../stacks/environments";
import { CONSUMER_SERVICES } from "../contract/services";
import { MAX_MESSAGES_PER_SECOND } from "../local/emulation/move-tasks";
import { OpsTarget, requireService, resolveTarget, UnknownEnvironmentError, UnknownServiceError } from "./target";
import { collectStatus, formatStatus } from "./status";
import { formatDeadLetters, listDeadLetters, MoveTaskRunningError, redrive } from "./dlq";
import { replayCommand } from "./replay";
import { unusedGrantsCommand } from "./unused-grants";
import { outboxCommand } from "./outbox";
import { parseCommandLine, UsageError } from "./cli";

// The SDK warns per client on Node 20 (past end of life); Lambda runs Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

export const USAGE = `Usage:
  npm run ops -- status --env <env> [--json]
  npm run ops -- dlq list <service> --env <env> [--data-dir <dir>]
  npm run ops -- dlq redrive <service> --env <env> [--rate <n>]
  npm run ops -- replay <service> --from <time> --env <env>   (see replay --help)
  npm run ops -- outbox list|replay --env <env> [--json]   (see outbox --help)
  npm run ops -- unused-grants [--from <dir>] [--json]   (local only; see unused-grants --help)

  --env <env>       ${ENVIRONMENT_NAMES.join(", ")}. AWS environments use the default credential chain and the
                    environment's region; local uses the runtime of \`npm start\` (AWS_ENDPOINT_URL_SQS, default
                    http://localhost:4566; LOCAL_API_URL, default http://localhost:3000).
  <service>         ${CONSUMER_SERVICES.join(", ")}

status              Per service: its queue's visible, in-flight and dead-lettered messages and oldest message's
                    age, its function's invocations, errors and throttles (last 15 minutes; locally since the
                    runtime started), and the alarms in ALARM. --json prints the same as JSON.
dlq list            Every message in the service's DLQ (read, then made visible again; nothing is deleted):
                    order, event type, receives, when it failed, and the reason its function logged.
  --data-dir <dir>  local only: the runtime's data folder, for the functions' logs (default .local-data).
dlq redrive         Moves the DLQ's messages back to the service's queue with an SQS message move task and
                    follows it to its end. Refused while another move task runs for that DLQ.
  --rate <n>        At most n messages a second (1 to ${MAX_MESSAGES_PER_SECOND}); default as fast as SQS moves them.

Exit status: 0 on success, 1 when anything failed, 2 for a usage error.`;

function parse(argv: string[]) {
  return parseCommandLine(argv, {
    env: { type: "string" },
    json: { type: "boolean" },
    rate: { type: "string" },
    "data-dir": { type: "string" },
  });
}

type Args = ReturnType<typeof parse>;

interface Command {
  name: "status" | "dlq list" | "dlq redrive";
  service?: string;
}

function commandOf(positionals: string[]): Command {
  const [first, second, ...rest] = positionals;
  if (first === undefined) throw new UsageError("no command given: use status, dlq list or dlq redrive");
  if (first === "status") {
    if (second !== undefined) throw new UsageError("status takes no operand");
    return { name: "status" };
  }
  if (first !== "dlq") throw new UsageError(`unknown command "${first}": use status, dlq list or dlq redrive`);
  if (second !== "list" && second !== "redrive")
    throw new UsageError(
      second === undefined
        ? "dlq needs list or redrive"
        : `unknown command "dlq ${second}": use dlq list or dlq redrive`,
    );
  if (rest.length !== 1)
    throw new UsageError(`dlq ${second} takes one service: one of ${CONSUMER_SERVICES.join(", ")}`);
  return { name: `dlq ${second}`, service: rest[0] };
}

function rateOf(args: Args): number | undefined {
  const text = args.values.rate;
  if (text === undefined) return undefined;
  const rate = Number(text);
  if (!/^\d+$/.test(text) || rate < 1 || rate > MAX_MESSAGES_PER_SECOND)
    throw new UsageError(`--rate must be a whole number from 1 to ${MAX_MESSAGES_PER_SECOND}, got "${text}"`);
  return rate;
}

function checkOptions(command: Command, args: Args): void {
  const { json, rate } = args.values;
  if (json && command.name !== "status") throw new UsageError("--json is for status");
  if (rate !== undefined && command.name !== "dlq redrive") throw new UsageError("--rate is for dlq redrive");
  if (args.values["data-dir"] !== undefined && command.name !== "dlq list")
    throw new UsageError("--data-dir is for dlq list");
}

/** Errors whose SDK wording leaves an operator guessing, said in terms of the command. */
function explained(error: Error, target: OpsTarget): string {
  const local = target.settings.name === "local";
  const code = (error as { code?: string }).code ?? (error.cause as { code?: string } | undefined)?.code;
  if (error.name === "QueueDoesNotExist" || error.name === "AWS.SimpleQueueService.NonExistentQueue") {
    const hint = local
      ? "is the local runtime (npm start) the one answering?"
      : `is the ${target.settings.name} stack deployed?`;
    return `a queue of ${target.settings.namePrefix} does not exist in ${target.description}: ${hint}`;
  }
  if ((code === "ECONNREFUSED" || error.message.includes("ECONNREFUSED")) && local)
    return `nothing answers at ${typeof target.sqs.endpoint === "string" ? target.sqs.endpoint : "its SQS endpoint"}: start the local runtime (npm start), or point AWS_ENDPOINT_URL_SQS at it`;
  if (error.name === "CredentialsProviderError")
    return `no AWS credentials for ${target.description}: ${error.message}`;
  return error.message;
}

async function run(command: Command, args: Args, target: OpsTarget, sqs: SQSClient): Promise<number> {
  if (command.name === "status") {
    const report = await collectStatus(sqs, target);
    console.log(args.values.json ? JSON.stringify(report, null, 2) : formatStatus(report));
    return 0;
  }
  const service = requireService(command.service!);
  if (command.name === "dlq list") {
    const dataDir = args.values["data-dir"] ?? ".local-data";
    const { queue, messages } = await listDeadLetters(sqs, target, service, dataDir);
    console.log(formatDeadLetters(queue, target, messages));
    return 0;
  }
  const task = await redrive(sqs, target, service, { rate: rateOf(args) });
  if (task.Status === "COMPLETED") return 0;
  console.error(`ops: the move task ended ${task.Status}${task.FailureReason ? `: ${task.FailureReason}` : ""}`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  // replay, unused-grants and outbox parse their own options: see ops/replay.ts, ops/unused-grants.ts, ops/outbox.ts.
  if (argv[0] === "replay") return replayCommand(argv.slice(1));
  if (argv[0] === "unused-grants") return unusedGrantsCommand(argv.slice(1));
  if (argv[0] === "outbox") return outboxCommand(argv.slice(1));
  let target: OpsTarget | undefined;
  try {
    const args = parse(argv);
    if (args.values.help) {
      console.log(USAGE);
      return 0;
    }
    const command = commandOf(args.positionals);
    checkOptions(command, args);
    if (command.service !== undefined) requireService(command.service);
    rateOf(args);
    const { env } = args.values;
    if (env === undefined) throw new UsageError(`--env is required: one of ${ENVIRONMENT_NAMES.join(", ")}`);
    target = resolveTarget(env);
    if (args.values["data-dir"] !== undefined && target.settings.name !== "local")
      throw new UsageError("--data-dir is for --env local (on AWS the reasons come from CloudWatch Logs)");
    const sqs = new SQSClient(target.sqs);
    try {
      return await run(command, args, target, sqs);
    } finally {
      sqs.destroy();
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof UnknownEnvironmentError ||
      error instanceof UnknownServiceError
    ) {
      console.error(`ops: ${error.message} (see --help)`);
      return 2;
    }
    if (error instanceof MoveTaskRunningError) {
      console.error(`ops: ${error.message}`);
      return 1;
    }
    console.error(`ops: ${target ? explained(error as Error, target) : (error as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((status) => (process.exitCode = status));
}
