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

// The host posts one event at a time: an execution environment never runs two invocations at once.
parentPort.on("message", async ({ event }) => {
  try {
    const result = await handler(event, contextFor(Date.now() + timeoutSeconds * 1000));
    parentPort.postMessage({ type: "result", ok: true, result });
  } catch (error) {
    parentPort.postMessage({
      type: "result",
      ok: false,
      error: { name: error?.name, message: error?.message ?? String(error) },
    });
  }
});
