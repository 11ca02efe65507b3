/**
 * Lambda's Invoke on the runtime's AWS endpoint (`POST /2015-03-31/functions/<name>/invocations`,
 * signed for `lambda`), so that an operator command invokes a function locally with the same
 * LambdaClient call as on AWS (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html):
 *
 * - RequestResponse (the default): 200 with the function's answer; a function that throws is
 *   200 with `X-Amz-Function-Error: Unhandled` and `{ errorType, errorMessage }`.
 * - Event: 202 at once, the invocation runs on its own.
 * - An unknown function is 404 ResourceNotFoundException; a body that is not JSON is 400
 *   InvalidRequestContentException; another invocation type is 400 InvalidParameterValueException.
 */
import { Refusal, restJsonError } from "../authz/gate";

/** Runs a function of the plan by name; undefined when the plan has no such function. */
export type LocalInvoke = (functionName: string, payload: unknown) => Promise<unknown> | undefined;

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** The function a request invokes (by name or ARN), or undefined when the path is not Invoke's. */
export function invokedFunction(method: string, path: string): string | undefined {
  const match = method === "POST" ? INVOKE_PATH.exec(path) : null;
  if (!match) return undefined;
  const named = decodeURIComponent(match[1]);
  return /^arn:[^:]+:lambda:[^:]+:\d+:function:([^:]+)/.exec(named)?.[1] ?? named;
}

export async function answerInvoke(
  invoke: LocalInvoke,
  functionName: string,
  invocationType: string,
  body: Buffer,
): Promise<Refusal> {
  let payload: unknown;
  try {
    payload = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
  } catch {
    return restJsonError(400, "InvalidRequestContentException", { Message: "Could not parse request body into json" });
  }
  if (invocationType !== "RequestResponse" && invocationType !== "Event") {
    return restJsonError(400, "InvalidParameterValueException", {
      Message: `invocation type ${invocationType} is not supported locally (RequestResponse and Event are)`,
    });
  }
  const running = invoke(functionName, payload);
  if (!running) {
    return restJsonError(404, "ResourceNotFoundException", { Message: `Function not found: ${functionName}` });
  }
  if (invocationType === "Event") {
    running.catch((error: Error) => console.error(`async invocation of ${functionName} failed: ${error.message}`));
    return { status: 202, headers: {}, body: "" };
  }
  try {
    const result = await running;
    return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(result ?? null) };
  } catch (error) {
    const { name, message } = error as Error;
    return {
      status: 200,
      headers: { "content-type": "application/json", "x-amz-function-error": "Unhandled" },
      body: JSON.stringify({ errorType: name, errorMessage: message }),
    };
  }
}
