/**
 * Runs `local/main.ts` (what `npm start` runs, after its build) as a child process on the given
 * ports, for the end-to-end tests and the benchmarks: they meet the runtime as a user does.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

export interface Ports {
  api: number;
  aws: number;
  dynamodb: number;
}

export interface ChildRuntime {
  api: string;
  aws: string;
  dynamodb: string;
  /** Its --data-dir: the synthesized plan, and each function's log in logs/<function name>.log. */
  dataDir: string;
  /** Milliseconds from spawning the process to the API's first answer. */
  readyMs: number;
  /** What the runtime printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** `extraArgs` go to local/main.ts after the ports and data folder, e.g. `--function-timeout 2`. */
export async function startChildRuntime(
  ports: Ports,
  timeoutMs = 60_000,
  extraArgs: string[] = [],
): Promise<ChildRuntime> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "order-fanout-runtime-"));
  const started = Date.now();
  const child: ChildProcess = spawn(
    path.join(ROOT, "node_modules", ".bin", "tsx"),
    [
      "local/main.ts",
      "--api-port",
      String(ports.api),
      "--aws-port",
      String(ports.aws),
      "--dynamodb-port",
      String(ports.dynamodb),
      "--data-dir",
      dataDir,
      ...extraArgs,
    ],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    },
  );
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const api = `http://localhost:${ports.api}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`runtime exited with ${child.exitCode}:\n${output}`);
    if (
      await fetch(`${api}/_local/status`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (Date.now() - started > timeoutMs) {
      child.kill("SIGTERM");
      throw new Error(`runtime not answering after ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    api,
    aws: `http://127.0.0.1:${ports.aws}`,
    dynamodb: `http://127.0.0.1:${ports.dynamodb}`,
    dataDir,
    readyMs: Date.now() - started,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
