/**
 * Runs `local/main.ts` (what `npm start` runs) as a child process on test ports, and talks to it
 * as a user would: over HTTP, and with real SDK clients against its emulators. No mocks.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { localClients, LocalClients } from "../../local/aws-clients";
import { ProcessedMessage } from "../../local/runtime";

const ROOT = path.resolve(__dirname, "..", "..");

export interface RunningRuntime {
  api: string;
  clients: LocalClients;
  output: () => string;
  stop(): Promise<void>;
}

export async function startLocalRuntime(ports = { api: 3100, aws: 4666, dynamodb: 8100 }): Promise<RunningRuntime> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "order-fanout-e2e-"));
  const child: ChildProcess = spawn(
    path.join(ROOT, "node_modules", ".bin", "tsx"),
    ["local/main.ts", "--api-port", String(ports.api), "--aws-port", String(ports.aws), "--dynamodb-port", String(ports.dynamodb), "--data-dir", dataDir],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`runtime not ready within 60 s:\n${output}`)), 60_000);
    const check = () => {
      if (output.includes("local runtime ready")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`runtime exited with ${code}:\n${output}`));
    });
  });
  child.removeAllListeners("exit");
  return {
    api: `http://localhost:${ports.api}`,
    clients: localClients({ aws: `http://127.0.0.1:${ports.aws}`, dynamodb: `http://127.0.0.1:${ports.dynamodb}` }),
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
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
  const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
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

export function placeOrder(runtime: RunningRuntime, key: string, items: { sku: string; quantity: number }[], email = "ada@example.com") {
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

export async function addFault(runtime: RunningRuntime, spec: unknown): Promise<void> {
  const answer = await call(runtime, "POST", "/_local/faults", { body: spec });
  if (answer.status !== 201) throw new Error(`fault refused: ${JSON.stringify(answer.body)}`);
}

export async function clearFaults(runtime: RunningRuntime): Promise<void> {
  await call(runtime, "DELETE", "/_local/faults");
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export async function storedItem(runtime: RunningRuntime, table: string, key: Record<string, string>): Promise<any> {
  const { Item } = await runtime.clients.documents.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return Item;
}
