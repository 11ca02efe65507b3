import { answerInvoke, invokedFunction, LocalInvoke } from "../../../local/emulation/lambda-invoke";

const functions: LocalInvoke = (name, payload) => {
  if (name === "echo") return Promise.resolve({ got: payload });
  if (name === "broken") return Promise.reject(Object.assign(new Error("no table"), { name: "ResourceNotFound" }));
  return undefined;
};
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("Lambda's Invoke on the local AWS endpoint", () => {
  it("finds the function by name or ARN in Invoke's path, and nothing else", () => {
    expect(invokedFunction("POST", "/2015-03-31/functions/echo/invocations")).toBe("echo");
    expect(
      invokedFunction(
        "POST",
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Aecho/invocations",
      ),
    ).toBe("echo");
    expect(invokedFunction("GET", "/2015-03-31/functions/echo/invocations")).toBeUndefined();
    expect(invokedFunction("POST", "/2015-03-31/functions/echo")).toBeUndefined();
  });

  it("answers a RequestResponse invocation with the function's answer", async () => {
    expect(await answerInvoke(functions, "echo", "RequestResponse", body({ a: 1 }))).toEqual({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ got: { a: 1 } }),
    });
  });

  it("answers a function's error as Lambda does: 200 with X-Amz-Function-Error", async () => {
    const answer = await answerInvoke(functions, "broken", "RequestResponse", body({}));
    expect(answer.status).toBe(200);
    expect(answer.headers["x-amz-function-error"]).toBe("Unhandled");
    expect(JSON.parse(answer.body)).toEqual({ errorType: "ResourceNotFound", errorMessage: "no table" });
  });

  it("accepts an Event invocation at once (202)", async () => {
    expect((await answerInvoke(functions, "echo", "Event", body({}))).status).toBe(202);
  });

  it.each([
    ["an unknown function", "nope", "RequestResponse", body({}), 404, "ResourceNotFoundException"],
    ["a body that is not JSON", "echo", "RequestResponse", Buffer.from("{"), 400, "InvalidRequestContentException"],
    ["a DryRun", "echo", "DryRun", body({}), 400, "InvalidParameterValueException"],
  ])("refuses %s", async (_, name, type, payload, status, errorType) => {
    const answer = await answerInvoke(functions, name, type, payload);
    expect(answer.status).toBe(status);
    expect(answer.headers["x-amzn-errortype"]).toBe(errorType);
  });
});
