/** Starts `local/main.ts` as `npm start` does (after its build), on bench ports, and stops it. */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
export const BENCH_PORTS = { api: 3200, aws: 4766, dynamodb: 8200 };

export interface StartedRuntime {
  api: string;
  dataDir: string;
  /** Milliseconds from spawning the process to the API's first answer. */
  readyMs: number;
  stop(): Promise<void>;
}

export async function startRuntime(): Promise<StartedRuntime> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "order-fanout-bench-"));
  const started = Date.now();
  const child: ChildProcess = spawn(
    path.join(ROOT, "node_modules", ".bin", "tsx"),
    ["local/main.ts", "--api-port", String(BENCH_PORTS.api), "--aws-port", String(BENCH_PORTS.aws), "--dynamodb-port", String(BENCH_PORTS.dynamodb), "--data-dir", dataDir],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.on("data", (chunk) => (stderr += chunk));
  const api = `http://localhost:${BENCH_PORTS.api}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`runtime exited:\n${stderr}`);
    const answered = await fetch(`${api}/orders/ord_000000000000000000000000`).then(() => true, () => false);
    if (answered) break;
    if (Date.now() - started > 60_000) throw new Error(`runtime not answering after 60 s:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    api,
    dataDir,
    readyMs: Date.now() - started,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
