import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();

// Handlers log JSON lines through Powertools; keep test output readable.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";

// The SDK warns once per test file on Node 20 (past end of life); Lambda runs Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// As the stack sets it on every function (metricsNamespace()); unset, Powertools Metrics warns in plain text.
process.env.POWERTOOLS_METRICS_NAMESPACE ??= "order-fanout/test";

// Handlers that run in a test's own process write a CloudWatch EMF document (Powertools Metrics)
// to stdout per invocation: useful on Lambda, noise around a failing test's output. Drop those
// lines; a test that reads them (support/emf.ts) spies on stdout and sees them all. The stream is
// the worker's, shared by every file it runs: the filter goes on once.
const FILTERED = Symbol.for("order-fanout.emf-filtered");
const stdout = process.stdout as typeof process.stdout & { [FILTERED]?: true };
if (!stdout[FILTERED]) {
  const writeStdout = stdout.write.bind(stdout) as (...args: unknown[]) => boolean;
  stdout.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    if (text.startsWith('{"_aws":')) return true;
    return writeStdout(chunk, ...rest);
  };
  stdout[FILTERED] = true;
}
