/**
 * `npm run ops -- outbox list|replay|backfill --env <env>`: the orders whose events are not published
 * yet and the stream records the relay gave up (the work: ops/outbox.ts, ops/outbox-backfill.ts).
 */
import { SQSClient } from "@aws-sdk/client-sqs";
import { ENVIRONMENT_NAMES } from "../stacks/environments";
import { documentClientFor, resolveTarget } from "../ops/target";
import { formatOutboxReport, outboxReport, replayOutbox } from "../ops/outbox";
import { backfillOutboxIndex } from "../ops/outbox-backfill";
import { parseCommandLine, UsageError } from "../ops/cli";
import { runCommand } from "./frame";

export const OUTBOX_USAGE = `Usage:
  npm run ops -- outbox list --env <env> [--json]
  npm run ops -- outbox replay --env <env>
  npm run ops -- outbox backfill --env <env>

list     The orders whose events are not published yet, oldest first, and the stream records the
         relay gave up (its failures queue; read, then made visible again: nothing is deleted).
replay   Runs the outbox sweep now for every unpublished order, then deletes the failure records
         whose orders are all published. Events go out in each order's lifecycle order; consumers
         are idempotent on eventId, so an event published twice changes nothing.
backfill Lists in the outbox index the orders written before it existed that still have unpublished
         events (a Scan of the orders table; run once after deploying the index to an environment
         that holds orders), then replay publishes them.
  --env <env>   ${ENVIRONMENT_NAMES.join(", ")}. AWS environments use the default credential chain and the
                environment's region; local uses the runtime of \`npm start\` (AWS_ENDPOINT_URL_SQS,
                default http://localhost:4566, also answers Lambda's Invoke).

Exit status: 0 on success (list: also when something is pending), 1 when anything failed, 2 for a usage error.`;

/** `outbox ...` without the command word; answers the exit status. */
export async function outboxCommand(argv: string[]): Promise<number> {
  return runCommand({ name: "outbox", usage: OUTBOX_USAGE }, argv, async () => {
    const args = parseCommandLine(argv, { env: { type: "string" }, json: { type: "boolean" } });
    const [command, ...rest] = args.positionals;
    if (command !== "list" && command !== "replay" && command !== "backfill")
      throw new UsageError(
        command
          ? `unknown command "outbox ${command}": use list, replay or backfill`
          : "outbox needs list, replay or backfill",
      );
    if (rest.length > 0) throw new UsageError(`outbox ${command} takes no operand`);
    if (args.values.json && command !== "list") throw new UsageError("--json is for outbox list");
    if (!args.values.env) throw new UsageError("--env is required");
    const target = resolveTarget(args.values.env);
    if (command === "backfill") {
      const ddb = documentClientFor(target);
      try {
        const { found, listed } = await backfillOutboxIndex(ddb, target.tables.orders);
        console.log(`${found} orders with unpublished events were not in the outbox index; ${listed} listed now`);
        return 0;
      } finally {
        ddb.destroy();
      }
    }
    const sqs = new SQSClient(target.sqs);
    try {
      if (command === "replay") return await replayOutbox(target, sqs);
      const report = await outboxReport(target, sqs);
      console.log(args.values.json ? JSON.stringify(report, null, 2) : formatOutboxReport(report, target));
      return 0;
    } finally {
      sqs.destroy();
    }
  });
}
