/**
 * One worker thread per function, holding that function's bundle from dist/ with exactly its
 * planned environment plus what Lambda itself would add; invocations are posted to it. The bundle
 * is found by content: the folder whose cdktf asset hash equals the plan's source_code_hash, so
 * what runs is what the plan would deploy, or the runtime says the bundle is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { hashPath } from "cdktf/lib/private/fs";
import { LocalFunction } from "./plan";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./aws-clients";

export const DIST = path.resolve(__dirname, "..", "dist");

/** What a function logged through Powertools, one JSON object per line. */
export type LogRecord = Record<string, unknown>;

export interface FunctionStats {
  invocations: number;
  succeeded: number;
  failed: number;
}

export class InvocationError extends Error {
  constructor(functionName: string, message: string) {
    super(`${functionName}: ${message}`);
    this.name = "InvocationError";
  }
}

/** dist/ folder of each function bundle, by cdktf asset hash. */
export function bundlesByHash(dist = DIST): Map<string, string> {
  if (!fs.existsSync(dist)) throw new Error(`${dist} does not exist; run \`npm run build\``);
  const folders = fs.readdirSync(dist, { withFileTypes: true }).filter((e) => e.isDirectory());
  return new Map(folders.map((f) => [hashPath(path.join(dist, f.name)), path.join(dist, f.name)]));
}

export class FunctionHost {
  readonly stats: FunctionStats = { invocations: 0, succeeded: 0, failed: 0 };
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly ready: Promise<void>;
  private nextId = 0;

  constructor(
    readonly fn: LocalFunction,
    bundleDir: string,
    environment: Record<string, string>,
    private readonly onLog: (record: LogRecord, raw: string) => void,
  ) {
    const [file, exportName] = fn.handler.split(".");
    this.worker = new Worker(path.join(__dirname, "function-worker.cjs"), {
      workerData: {
        bundle: path.join(bundleDir, `${file}.js`),
        exportName,
        functionName: fn.name,
        memoryMb: fn.memoryMb,
        timeoutSeconds: fn.timeoutSeconds,
        region: LOCAL_REGION,
        accountId: LOCAL_ACCOUNT,
      },
      env: {
        ...environment,
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
        ...fn.environment,
      },
      stdout: true,
      stderr: true,
    });
    this.captureOutput();
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("error", reject);
      this.worker.on("message", (message) => {
        if (message.type === "ready") resolve();
        if (message.type === "init-error") reject(new InvocationError(fn.name, `cold start failed: ${message.error.message}`));
        if (message.type === "result") this.settle(message);
      });
    });
  }

  private captureOutput(): void {
    let buffered = "";
    const onChunk = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines.filter(Boolean)) {
        let record: LogRecord = { message: line };
        try {
          record = JSON.parse(line);
        } catch {
          // not a structured line: pass it on as text
        }
        this.onLog(record, line);
      }
    };
    this.worker.stdout.on("data", onChunk);
    this.worker.stderr.on("data", onChunk);
  }

  private settle(message: { id: number; ok: boolean; result?: unknown; error?: { message: string } }): void {
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.result);
    else waiting.reject(new InvocationError(this.fn.name, message.error?.message ?? "failed"));
  }

  /** Resolves once the bundle's module-level code has run. */
  async started(): Promise<void> {
    await this.ready;
  }

  /**
   * Invokes the function. Past its timeout the invocation counts as failed, as on Lambda; the
   * work it started is not interrupted, which Lambda would do by freezing the environment.
   */
  async invoke(event: unknown): Promise<unknown> {
    await this.ready;
    this.stats.invocations++;
    const id = this.nextId++;
    const timeoutMs = this.fn.timeoutSeconds * 1000;
    try {
      const result = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new InvocationError(this.fn.name, `timed out after ${this.fn.timeoutSeconds} s`));
        }, timeoutMs);
        this.pending.set(id, {
          resolve: (value) => (clearTimeout(timer), resolve(value)),
          reject: (error) => (clearTimeout(timer), reject(error)),
        });
        this.worker.postMessage({ id, event });
      });
      this.stats.succeeded++;
      return result;
    } catch (error) {
      this.stats.failed++;
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
