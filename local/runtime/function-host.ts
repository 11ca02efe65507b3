/**
 * One worker thread per function, holding that function's bundle from dist/ with exactly its
 * planned environment plus what Lambda itself would add; invocations are posted to it. The bundle
 * is found by content: the folder whose cdktf asset hash equals the plan's source_code_hash, so
 * what runs is what the plan would deploy, or the runtime says the bundle is stale.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { createHash } from "node:crypto";
import { LocalFunction } from "../plan/plan";
import { DIST } from "../../stacks/bundles";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../../contract/local-endpoints";

/** What a function logged through Powertools, one JSON object per line. */
export type LogRecord = Record<string, unknown>;

/** How an invocation ended, with the log records it wrote (all of them: see function-worker.cjs). */
export type Invocation =
  { ok: true; result: unknown; logs: LogRecord[] } | { ok: false; error: Error; logs: LogRecord[] };

export interface FunctionStats {
  invocations: number;
  succeeded: number;
  failed: number;
  /** Milliseconds invocations took in all, from the event's hand-over to the answer (for the bench). */
  busyMs: number;
  /** Of which the worker thread was running JavaScript (its event loop's active time): its own CPU. */
  activeMs: number;
  /** The slowest invocation (ms): how close the function came to its timeout, as Lambda's Duration maximum shows. */
  maxMs: number;
}

export class InvocationError extends Error {
  constructor(functionName: string, message: string) {
    super(`${functionName}: ${message}`);
    this.name = "InvocationError";
  }
}

/** The invocation ran past the function's timeout: Lambda discards its execution environment. */
export class InvocationTimeoutError extends InvocationError {
  constructor(functionName: string, timeoutSeconds: number) {
    super(functionName, `timed out after ${timeoutSeconds} s`);
    this.name = "InvocationTimeoutError";
  }
}

/**
 * The hash cdktf gives a file asset (TerraformAsset.assetHash, the plan's source_code_hash): the
 * upper-case hex MD5 of its content. cdktf's own function is private (cdktf/lib/private/fs).
 */
export function assetHashOf(file: string): string {
  return createHash("md5").update(fs.readFileSync(file)).digest("hex").toUpperCase();
}

/**
 * The dist/ folder of each function bundle, by the cdktf asset hash of its deployment package
 * (dist/<name>.zip, built from that folder in the same build).
 */
export function bundlesByHash(dist = DIST): Map<string, string> {
  if (!fs.existsSync(dist)) throw new Error(`${dist} does not exist; run \`npm run build\``);
  const packages = fs.readdirSync(dist).filter((name) => name.endsWith(".zip"));
  return new Map(
    packages.map((zip) => [assetHashOf(path.join(dist, zip)), path.join(dist, zip.replace(/\.zip$/, ""))]),
  );
}

/** What function-worker.cjs posts back. */
type WorkerMessage =
  | { type: "ready" }
  | { type: "init-error"; error: { message: string } }
  | { type: "result"; ok: true; result: unknown }
  | { type: "result"; ok: false; error?: { message?: string } };

/** One worker thread: a Lambda execution environment, running one invocation at a time. */
class ExecutionEnvironment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  private waiting?: { resolve: (v: unknown) => void; reject: (e: Error) => void };
  /** What the running invocation has logged so far. */
  private logs: LogRecord[] = [];

  constructor(
    fn: LocalFunction,
    bundleDir: string,
    environment: Record<string, string>,
    onLog: (record: LogRecord, raw: string) => void,
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
      env: environment,
      // Plain Node, as on Lambda: without this the worker inherits the runtime's TypeScript loader
      // (tsx), which then intercepts every module the bundle loads.
      execArgv: [],
      stdout: true,
      stderr: true,
    });
    captureLines(this.worker, (record, raw) => {
      this.logs.push(record);
      onLog(record, raw);
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once("error", reject);
      this.worker.on("message", (message: WorkerMessage) => {
        if (message.type === "ready") resolve();
        if (message.type === "init-error")
          reject(new InvocationError(fn.name, `cold start failed: ${message.error.message}`));
        if (message.type === "result") {
          const waiting = this.waiting;
          this.waiting = undefined;
          if (message.ok) waiting?.resolve(message.result);
          else waiting?.reject(new InvocationError(fn.name, message.error?.message ?? "failed"));
        }
      });
    });
  }

  run(event: unknown): Promise<unknown> {
    this.logs = [];
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.worker.postMessage({ event });
    });
  }

  /** The log records of the last invocation: complete once it has ended (the worker flushes them first). */
  takeLogs(): LogRecord[] {
    const logs = this.logs;
    this.logs = [];
    return logs;
  }
}

function captureLines(worker: Worker, onLog: (record: LogRecord, raw: string) => void): void {
  // One buffer per stream: a line cut between two chunks of stdout is never joined to stderr's.
  const lineReader = () => {
    let buffered = "";
    return (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines.filter(Boolean)) {
        let record: LogRecord = { message: line };
        try {
          record = JSON.parse(line) as LogRecord;
        } catch {
          // not a structured line: pass it on as text
        }
        onLog(record, line);
      }
    };
  };
  worker.stdout.on("data", lineReader());
  worker.stderr.on("data", lineReader());
}

/**
 * A function's pool of execution environments. Like Lambda, each environment runs one invocation
 * at a time (module state such as a logger's keys is never shared between two invocations); a new
 * one starts (a cold start) when all are busy, up to `maxEnvironments`; further invocations wait.
 * An invocation past the function's timeout fails and its environment is discarded.
 */
export interface FunctionHostOptions {
  readonly fn: LocalFunction;
  /** dist/<function>/, the bundle the plan's source_code_hash names. */
  readonly bundleDir: string;
  /** What the runtime adds to the function's own environment (emulator endpoints, credentials). */
  readonly runtimeEnvironment: Record<string, string>;
  /** Every line the function logs, parsed when it is JSON. */
  readonly onLog: (record: LogRecord, raw: string) => void;
  /** Execution environments it may scale to. */
  readonly maxEnvironments: number;
}

export class FunctionHost {
  readonly stats: FunctionStats = { invocations: 0, succeeded: 0, failed: 0, busyMs: 0, activeMs: 0, maxMs: 0 };
  readonly fn: LocalFunction;
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly queued: ((env: ExecutionEnvironment) => void)[] = [];
  private readonly environment: Record<string, string>;
  private readonly bundleDir: string;
  private readonly onLog: (record: LogRecord, raw: string) => void;
  private readonly maxEnvironments: number;

  constructor(options: FunctionHostOptions) {
    const { fn } = options;
    this.fn = fn;
    this.bundleDir = options.bundleDir;
    this.onLog = options.onLog;
    this.maxEnvironments = options.maxEnvironments;
    this.environment = {
      ...options.runtimeEnvironment,
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
      ...fn.environment,
    };
  }

  /** Starts the first environment, so a broken bundle fails at start-up, not on the first request. */
  async started(): Promise<void> {
    this.idle.push(await this.coldStart());
  }

  /** A new environment, counted in the pool from the start; its module-level code has run. */
  private async coldStart(): Promise<ExecutionEnvironment> {
    const env = new ExecutionEnvironment(this.fn, this.bundleDir, this.environment, this.onLog);
    this.all.add(env);
    try {
      await env.ready;
      return env;
    } catch (error) {
      this.all.delete(env);
      throw error;
    }
  }

  private async acquire(): Promise<ExecutionEnvironment> {
    const idle = this.idle.pop();
    if (idle) return idle;
    if (this.all.size < this.maxEnvironments) return this.coldStart();
    return new Promise((resolve) => this.queued.push(resolve));
  }

  private release(env: ExecutionEnvironment): void {
    const next = this.queued.shift();
    if (next) next(env);
    else this.idle.push(env);
  }

  /** Lambda ends an environment whose invocation timed out; a waiting invocation gets a new one. */
  private discard(env: ExecutionEnvironment): void {
    this.all.delete(env);
    void env.worker.terminate();
    if (this.queued.length === 0) return;
    this.coldStart().then(
      (fresh) => this.release(fresh),
      () => undefined, // waiting invocations then get the next environment released
    );
  }

  async invoke(event: unknown): Promise<unknown> {
    const invocation = await this.invokeLogged(event);
    if (!invocation.ok) throw invocation.error;
    return invocation.result;
  }

  /** Invokes and answers how the invocation ended with what it logged, also when it failed. */
  async invokeLogged(event: unknown): Promise<Invocation> {
    const env = await this.acquire();
    this.stats.invocations++;
    const started = performance.now();
    const loop = env.worker.performance.eventLoopUtilization();
    const countActive = () => (this.stats.activeMs += env.worker.performance.eventLoopUtilization(loop).active);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new InvocationTimeoutError(this.fn.name, this.fn.timeoutSeconds)),
        this.fn.timeoutSeconds * 1000,
      );
    });
    try {
      const result = await Promise.race([env.run(event), timeout]);
      this.stats.succeeded++;
      countActive();
      const logs = env.takeLogs();
      this.release(env);
      return { ok: true, result, logs };
    } catch (error) {
      this.stats.failed++;
      countActive();
      const logs = env.takeLogs();
      if (error instanceof InvocationTimeoutError) this.discard(env);
      else this.release(env);
      return { ok: false, error: error instanceof Error ? error : new Error(String(error)), logs };
    } finally {
      clearTimeout(timer);
      const ms = performance.now() - started;
      this.stats.busyMs += ms;
      this.stats.maxMs = Math.max(this.stats.maxMs, ms);
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.all].map((env) => env.worker.terminate()));
    this.all.clear();
  }
}
