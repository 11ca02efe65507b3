/**
 * `npm run ops`: an environment's queues, functions and alarms, and its dead-letter queues. The
 * same code for AWS and for the local runtime (ops/target.ts); each command in its own module, its
 * work in ops/.
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { ENVIRONMENT_NAMES } from "../stacks/environments";
import { CONSUMER_SERVICES, ConsumerService } from "../contract/services";
import { OpsTarget, requireService, resolveTarget } from "../ops/target";
import { collectStatus, formatStatus } from "../ops/status";
import { formatDeadLetters, listDeadLetters, MoveTaskRunningError, redrive } from "../ops/dlq";
import { MAX_MESSAGES_PER_SECOND } from "../contract/sqs-limits";
import { parseCommandLine, UsageError } from "../ops/cli";
import { runAsMain, runCommand } from "./frame";
import { replayCommand } from "./replay";
import { unusedGrantsCommand } from "./unused-grants";
import { outboxCommand } from "./outbox";
import { quotasCommand } from "./quotas";

export const USAGE = `Usage:
  npm run ops -- status --env <env> [--json]
  npm run ops -- dlq list <service> --env <env> [--data-dir <dir>]
  npm run ops -- dlq redrive <service> --env <env> [--rate <n>]
  npm run ops -- replay <service> --from <time> --env <env>   (see replay --help)
  npm run ops -- outbox list|replay --env <env> [--json]   (see outbox --help)
  npm run ops -- quotas --env <env> [--json]   (see quotas --help)
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

/** What the command line asks for, checked once. */
interface Request {
  readonly service?: ConsumerService;
  readonly rate?: number;
}

async function run(command: Command, args: Args, request: Request, target: OpsTarget, sqs: SQSClient): Promise<number> {
  if (command.name === "status") {
    const report = await collectStatus(sqs, target);
    console.log(args.values.json ? JSON.stringify(report, null, 2) : formatStatus(report));
    return 0;
  }
  const service = request.service!;
  if (command.name === "dlq list") {
    const dataDir = args.values["data-dir"] ?? ".local-data";
    const { queue, messages } = await listDeadLetters(sqs, target, service, dataDir);
    console.log(formatDeadLetters(queue, target, messages));
    return 0;
  }
  const task = await redrive(sqs, target, service, { rate: request.rate });
  if (task.Status === "COMPLETED") return 0;
  console.error(`ops: the move task ended ${task.Status}${task.FailureReason ? `: ${task.FailureReason}` : ""}`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  // replay, unused-grants, outbox and quotas parse their own options: see bin/replay.ts, bin/unused-grants.ts, bin/outbox.ts.
  if (argv[0] === "replay") return replayCommand(argv.slice(1));
  if (argv[0] === "unused-grants") return unusedGrantsCommand(argv.slice(1));
  if (argv[0] === "outbox") return outboxCommand(argv.slice(1));
  if (argv[0] === "quotas") return quotasCommand(argv.slice(1));
  const frame = {
    name: "ops",
    usage: USAGE,
    describe: (error: unknown) => (error instanceof MoveTaskRunningError ? [`ops: ${error.message}`] : undefined),
  };
  return runCommand(frame, argv, async (reached) => {
    const args = parse(argv);
    const command = commandOf(args.positionals);
    checkOptions(command, args);
    const request: Request = {
      ...(command.service !== undefined ? { service: requireService(command.service) } : {}),
      rate: rateOf(args),
    };
    const { env } = args.values;
    if (env === undefined) throw new UsageError(`--env is required: one of ${ENVIRONMENT_NAMES.join(", ")}`);
    const target = resolveTarget(env);
    if (args.values["data-dir"] !== undefined && target.settings.name !== "local")
      throw new UsageError("--data-dir is for --env local (on AWS the reasons come from CloudWatch Logs)");
    const endpoint = typeof target.sqs.endpoint === "string" ? target.sqs.endpoint : undefined;
    reached({ target, service: "SQS", endpoint, resource: `a queue of ${target.settings.namePrefix}` });
    const sqs = new SQSClient(target.sqs);
    try {
      return await run(command, args, request, target, sqs);
    } finally {
      sqs.destroy();
    }
  });
}

runAsMain(module, main);
