/**
 * The local runtime as a child process on test ports (local/runtime/child-runtime.ts), talked to as a user
 * would: over HTTP, and with real SDK clients against its emulators. No mocks.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { localClients, LocalClients } from "../../local/emulation/aws-clients";
import { ProcessedMessage } from "../../local/runtime/lines";
import { ChildRuntime, startChildRuntime } from "../../local/runtime/child-runtime";

export interface RunningRuntime extends ChildRuntime {
  clients: LocalClients;
}

/**
 * The runtime with the local stack's function timeout and receive count replaced: every queue's
 * visibility timeout follows the function timeout at 6×, so retries and redrive come sooner, by the
 * same mechanisms.
 */
export async function startLocalRuntime(
  overrides: { functionTimeoutSeconds: number; maxReceiveCount: number; sesDailyQuota?: number },
  ports = { api: 3100, aws: 4666, dynamodb: 8100 },
): Promise<RunningRuntime> {
  const runtime = await startChildRuntime(ports, 90_000, [
    "--function-timeout",
    String(overrides.functionTimeoutSeconds),
    "--max-receive-count",
    String(overrides.maxReceiveCount),
    ...(overrides.sesDailyQuota !== undefined ? ["--ses-daily-quota", String(overrides.sesDailyQuota)] : []),
  ]);
  return {
    ...runtime,
    clients: localClients({ aws: runtime.aws, dynamodb: runtime.dynamodb }),
    stop: async () => {
      await saveGrants(runtime);
      await runtime.stop();
    },
  };
}

/**
 * With E2E_GRANTS=<dir>, keeps which grants of the plan's policies this runtime's calls used, for
 * `npm run ops -- unused-grants --from <dir>` once the suite is done.
 */
async function saveGrants(runtime: ChildRuntime): Promise<void> {
  const dir = process.env.E2E_GRANTS;
  if (!dir) return;
  const answer = await fetch(`${runtime.api}/_local/access/grants`).catch(() => undefined);
  if (!answer?.ok) return;
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${path.basename(runtime.dataDir)}.json`), await answer.text());
}

export interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

export async function call(
  runtime: RunningRuntime,
  method: string,
  urlPath: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  const response = await fetch(`${runtime.api}${urlPath}`, {
    method,
    headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...options.headers },
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

export function placeOrder(
  runtime: RunningRuntime,
  key: string,
  items: { sku: string; quantity: number }[],
  email = "ada@example.com",
) {
  return call(runtime, "POST", "/orders", {
    body: { customer: { id: `c-${key}`, email }, items },
    headers: { "idempotency-key": key },
  });
}

export async function processed(runtime: RunningRuntime): Promise<ProcessedMessage[]> {
  return (await call(runtime, "GET", "/_local/processed")).body;
}

export async function status(runtime: RunningRuntime): Promise<any> {
  return (await call(runtime, "GET", "/_local/status")).body;
}

/** Adds a fault and answers its id. */
export async function addFault(runtime: RunningRuntime, spec: unknown): Promise<string> {
  const answer = await call(runtime, "POST", "/_local/faults", { body: spec });
  if (answer.status !== 201) throw new Error(`fault refused: ${JSON.stringify(answer.body)}`);
  return answer.body.id;
}

export async function removeFault(runtime: RunningRuntime, id: string): Promise<void> {
  const answer = await call(runtime, "DELETE", `/_local/faults/${id}`);
  if (answer.status !== 200) throw new Error(`fault ${id} not removed: ${JSON.stringify(answer.body)}`);
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function storedItem(runtime: RunningRuntime, table: string, key: Record<string, string>): Promise<any> {
  const { Item } = await runtime.clients.documents.send(
    new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
  );
  return Item;
}

export interface CommandRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** A command line of bin/ (e.g. `bin/ops.ts`) in a process of its own, pointed at this runtime as an operator would. */
export function runCommandLine(runtime: RunningRuntime, script: string, ...args: string[]): Promise<CommandRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script, ...args],
      {
        cwd: path.resolve(__dirname, "../.."),
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_SQS: runtime.aws,
          AWS_ENDPOINT_URL_DYNAMODB: runtime.dynamodb,
          LOCAL_API_URL: runtime.api,
        },
      },
      (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
