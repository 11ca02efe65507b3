import { localRequestRefusal } from "../../../local/runtime/local-guard";

describe("what the local gateway answers only to this machine's own callers", () => {
  it.each(["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "LOCALHOST"])("serves Host %s", (host) => {
    expect(localRequestRefusal("GET", "/orders/o-1", { host })).toBeUndefined();
  });

  it("refuses a request addressed to another name (a DNS-rebinding page), naming it", () => {
    expect(localRequestRefusal("GET", "/_local/status", { host: "evil.example:3000" })).toEqual({
      status: 403,
      message: 'the local runtime answers only requests addressed to localhost, not Host "evil.example:3000"',
    });
  });

  it("takes only JSON on a /_local route that changes state (a form or text/plain POST needs no preflight)", () => {
    const refusal = localRequestRefusal("POST", "/_local/faults", { host: "localhost", "content-type": "text/plain" });
    expect(refusal).toEqual({
      status: 415,
      message: 'POST /_local/faults takes content-type application/json, got "text/plain"',
    });
    expect(localRequestRefusal("PUT", "/_local/access", { host: "localhost" })?.status).toBe(415);
    expect(
      localRequestRefusal("POST", "/_local/faults", {
        host: "localhost",
        "content-type": "application/json; charset=utf-8",
      }),
    ).toBeUndefined();
    expect(localRequestRefusal("DELETE", "/_local/faults", { host: "localhost" })).toBeUndefined();
    expect(localRequestRefusal("POST", "/orders", { host: "localhost", "content-type": "text/plain" })).toBeUndefined();
  });
});
