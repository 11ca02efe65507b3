/**
 * `npm run ops -- replay`: the topic's archive redelivered to one service's queue, from a time up
 * to now (the work: ops/replay.ts).
 */
import { ENVIRONMENT_NAMES } from "../stacks/environments";
import { CONSUMER_SERVICES } from "../contract/services";
import { DEFAULT_PORTS, snsPort } from "../contract/local-endpoints";
import { ReplayOptions, replayRequest, runReplay, snsConfig } from "../ops/replay";
import { runCommand } from "./frame";

export const REPLAY_USAGE = `Usage:
  npm run ops -- replay <service> --from <time> --env <env>

  <service>      ${CONSUMER_SERVICES.join(", ")}: the events the topic archived are redelivered to
                 this service's queue only (filtered by its subscription's filter policy).
  --from <time>  ISO 8601 with a zone, e.g. 2026-05-04T09:00:00Z; inside the topic's archive
                 (staging 7 days, prod 30, local 1; dev keeps none).
                 The replay runs up to now and the subscription carries on. (No --to: SNS does not
                 document what a subscription receives after a replay that ends earlier.)
  --env <env>    ${ENVIRONMENT_NAMES.join(", ")}. AWS environments use the default credential chain
                 and the environment's region; local uses the runtime of \`npm start\`
                 (AWS_ENDPOINT_URL_SNS, default http://localhost:${snsPort(DEFAULT_PORTS.aws)}).

Consumers are idempotent on eventId: a replayed event that was already handled changes nothing.
Exit status: 0 when the replay completed, 1 when it failed, 2 for a usage error.`;

/** `replay ...` without the command word; answers the exit status. */
export async function replayCommand(argv: string[], options: ReplayOptions = {}): Promise<number> {
  const frame = {
    name: "replay",
    usage: REPLAY_USAGE,
    // SNS's own wording for a replay it refuses names no command.
    describe: (error: unknown) =>
      error instanceof Error && (error.name === "InvalidParameterException" || error.name === "InvalidParameter")
        ? [`replay: SNS refused the replay: ${error.message}`]
        : undefined,
  };
  return runCommand(frame, argv, async (reached) => {
    const request = replayRequest(argv, process.env, options.now?.() ?? new Date());
    const { target } = request;
    const topic = `topic ${target.settings.namePrefix}-order-events.fifo`;
    reached({ target, service: "SNS", endpoint: snsConfig(target).endpoint, resource: topic });
    await runReplay(request, options);
    return 0;
  });
}
