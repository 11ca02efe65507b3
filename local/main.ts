/**
 * `npm start`: runs the whole fan-out on this machine from the synthesized local stack.
 *   --api-port 3000  --aws-port 4566  --dynamodb-port 8000  --data-dir .local-data
 *   --function-timeout <seconds>  instead of the local stack's own (visibility timeouts follow at 6×)
 *   --max-receive-count <n>       receives before a message moves to its DLQ, instead of the stack's own
 *   --ses-daily-quota <n>         the local account's SES 24-hour quota, instead of what the stack is designed for
 */
import { parseArgs } from "node:util";
import { LocalRuntime, startRuntime } from "./local-runtime";
import { DEFAULT_PORTS, LOCAL_CREDENTIALS, LOCAL_REGION } from "../contract/local-endpoints";

// The SDK warns per client on Node 20 (past end of life); Lambda runs Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const { values } = parseArgs({
  options: {
    "api-port": { type: "string", default: String(DEFAULT_PORTS.api) },
    "aws-port": { type: "string", default: String(DEFAULT_PORTS.aws) },
    "dynamodb-port": { type: "string", default: String(DEFAULT_PORTS.dynamodb) },
    "data-dir": { type: "string", default: ".local-data" },
    "function-timeout": { type: "string" },
    "max-receive-count": { type: "string" },
    "ses-daily-quota": { type: "string" },
    // Only to measure what authorization costs (the bench); never to check a stack.
    "no-authorization": { type: "boolean", default: false },
  },
});

/** An optional whole number from `min` to `max` (Lambda: 1 to 900 s; SQS redrive: 1 to 1,000 receives). */
function wholeNumber(
  option: "function-timeout" | "max-receive-count" | "ses-daily-quota",
  min: number,
  max: number,
): number | undefined {
  const raw = values[option];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`--${option} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return value;
}

function port(option: string): number {
  const value = Number(values[option as keyof typeof values]);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new Error(`--${option} must be a port number, got "${values[option as keyof typeof values]}"`);
  return value;
}

export function banner(runtime: LocalRuntime, dataDir: string): string {
  const sample = JSON.stringify({
    customer: { id: "c-1", email: "ada@example.com" },
    items: [
      { sku: "KB-01", quantity: 1 },
      { sku: "MS-02", quantity: 2 },
    ],
  });
  const api = runtime.apiUrl;
  return [
    `order-fanout local runtime ready in ${(runtime.startupMs / 1000).toFixed(1)} s`,
    "",
    `  orders API     ${api}   (${runtime.state.model.routes.map((r) => r.routeKey).join(", ")})`,
    `  status         ${api}/_local/status`,
    `  console        ${api}/_local/console   (topology, orders, DLQs, redrive and faults in a browser)`,
    `  SNS/SQS/S3     ${runtime.state.endpoints.aws}   (aws --endpoint-url ${runtime.state.endpoints.aws} sqs list-queues)`,
    `  DynamoDB       ${runtime.state.endpoints.dynamodb}   (every call authorized against the plan's policies)`,
    `  AWS CLI        AWS_REGION=${LOCAL_REGION} AWS_ACCESS_KEY_ID=${LOCAL_CREDENTIALS.accessKeyId} AWS_SECRET_ACCESS_KEY=${LOCAL_CREDENTIALS.secretAccessKey} aws --endpoint-url <endpoint> …   (the operator: administrator of the account)`,
    `  function logs  ${dataDir}/logs/`,
    "",
    "Place an order:",
    `  curl -si -X POST ${api}/orders -H 'content-type: application/json' -H "idempotency-key: $(node -p 'crypto.randomUUID()')" -d '${sample}'`,
    "then read it (fulfilment fills in as each service finishes):",
    `  curl -s ${api}/orders/<orderId>`,
    "",
    "  service       order                        event           outcome              time",
  ].join("\n");
}

async function main(): Promise<void> {
  const dataDir = values["data-dir"];
  const runtime = await startRuntime({
    apiPort: port("api-port"),
    awsPort: port("aws-port"),
    dynamodbPort: port("dynamodb-port"),
    dataDir,
    overrides: {
      functionTimeoutSeconds: wholeNumber("function-timeout", 1, 900),
      maxReceiveCount: wholeNumber("max-receive-count", 1, 1000),
    },
    authorization: !values["no-authorization"],
    sesDailyQuota: wholeNumber("ses-daily-quota", 0, Number.MAX_SAFE_INTEGER),
  });
  if (values["no-authorization"]) console.log("authorization is OFF: no call is checked against the plan's policies");
  console.log(banner(runtime, dataDir));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    await runtime.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

main().catch((error) => {
  console.error(`local runtime failed to start: ${(error as Error).message}`);
  process.exit(1);
});
