// Runs one function's bundle in a worker thread, as a Lambda execution environment would: the
// bundle is loaded once (its module-level code is the cold start) with the function's own
// environment, then invoked for each event the host posts. Plain JavaScript: it loads the built
// bundle, never the TypeScript sources.
const { parentPort, workerData } = require("node:worker_threads");
const { randomUUID } = require("node:crypto");

const { bundle, exportName, functionName, memoryMb, timeoutSeconds, region, accountId } = workerData;
let handler;
try {
  handler = require(bundle)[exportName];
  if (typeof handler !== "function") throw new Error(`${bundle} has no exported function ${exportName}`);
  parentPort.postMessage({ type: "ready" });
} catch (error) {
  parentPort.postMessage({ type: "init-error", error: { name: error.name, message: error.message } });
}

function contextFor(deadline) {
  return {
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
}

// A worker's stdout and stderr reach the host through a port of their own, possibly after a
// message posted later; this resolves once the host has taken everything written so far.
const flushed = (stream) => new Promise((resolve) => stream.write("", resolve));

// The host posts one event at a time: an execution environment never runs two invocations at once.
// As on Lambda, an invocation's log lines all come before its end: the result is posted only once
// they are flushed, so the host can tell which invocation logged what.
parentPort.on("message", async ({ event }) => {
  let message;
  try {
    const result = await handler(event, contextFor(Date.now() + timeoutSeconds * 1000));
    message = { type: "result", ok: true, result };
  } catch (error) {
    message = { type: "result", ok: false, error: { name: error?.name, message: error?.message ?? String(error) } };
  }
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  parentPort.postMessage(message);
});
