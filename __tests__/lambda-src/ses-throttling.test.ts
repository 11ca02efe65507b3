/**
 * The notification service's SES client against a real HTTP endpoint that throttles as SES does
 * (429, TooManyRequestsException): a throttled send is retried shortly, within a paced batch's
 * time, and a send throttled on every attempt fails after three, well inside the function's timeout.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { sesClient } from "../../lambda-src/shared/clients";
import { SendingQuotaError, sesTransport } from "../../lambda-src/notification/email";

const delivery = {
  eventId: "e-1",
  message: { from: "orders@shop.co", to: "ann@shop.co", subject: "Order", text: "Thanks" },
};

const RATE_REFUSAL = { status: 429, type: "TooManyRequestsException", message: "Maximum sending rate exceeded." };

/** An SES v2 endpoint that refuses the first `throttled` sends (for the rate, unless told), then accepts. */
async function sesEndpoint(throttled: number, refusal = RATE_REFUSAL) {
  const requests: number[] = [];
  const server = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      requests.push(Date.now());
      if (requests.length <= throttled) {
        response.writeHead(refusal.status, { "content-type": "application/json", "x-amzn-errortype": refusal.type });
        response.end(JSON.stringify({ message: refusal.message }));
      } else {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ MessageId: "m-1" }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

function pointAt(url: string) {
  process.env.AWS_ENDPOINT_URL_SESV2 = url;
  process.env.AWS_REGION = "eu-west-1";
  process.env.AWS_ACCESS_KEY_ID = "test";
  process.env.AWS_SECRET_ACCESS_KEY = "test";
}

describe("SES throttling", () => {
  it("retries a throttled send 100 ms later, and it goes out", async () => {
    const ses = await sesEndpoint(1);
    try {
      pointAt(ses.url);
      await sesTransport(sesClient(), "order-fanout-dev")(delivery);
      expect(ses.requests).toHaveLength(2);
      expect(ses.requests[1] - ses.requests[0]).toBeGreaterThanOrEqual(90);
    } finally {
      await ses.close();
    }
  });

  it("gives up after three attempts, waiting 100 then 200 ms, not the SDK's backoff", async () => {
    const ses = await sesEndpoint(100);
    // The waits the client asks for, whatever the machine's speed: the SDK's default backoff
    // would ask for random ones (up to 20 s each).
    const timers = jest.spyOn(global, "setTimeout");
    try {
      pointAt(ses.url);
      await expect(sesTransport(sesClient(), "order-fanout-dev")(delivery)).rejects.toThrow(
        "Maximum sending rate exceeded.",
      );
      expect(ses.requests).toHaveLength(3);
      // Each request also defers its socket listeners by 3,000 ms (@smithy/node-http-handler's
      // DEFER_EVENT_LISTENER_TIME): not a wait between attempts.
      const waits = timers.mock.calls.map(([, ms]) => ms).filter((ms) => typeof ms === "number" && ms >= 50);
      expect(waits.filter((ms) => ms !== 3000)).toEqual([100, 200]);
    } finally {
      timers.mockRestore();
      await ses.close();
    }
  });

  it("counts a send refused for the 24-hour quota and fails it naming the quota and the way back", async () => {
    const daily = { status: 400, type: "ThrottlingException", message: "Daily message quota exceeded." };
    const ses = await sesEndpoint(100, daily);
    let refusals = 0;
    try {
      pointAt(ses.url);
      const sending = sesTransport(sesClient(), "order-fanout-dev", () => refusals++)(delivery);
      await expect(sending).rejects.toThrow(SendingQuotaError);
      await expect(sending).rejects.toThrow(
        "SES refused the e-mail: the account's 24-hour sending quota is used up (Daily message quota exceeded.)",
      );
      await expect(sending).rejects.toThrow("Amazon SES › Sending quota (L-804C8AE8)");
      expect(refusals).toBe(1);
    } finally {
      await ses.close();
    }
  });

  it("counts a send still refused for the rate after its attempts, and lets any other error through as it is", async () => {
    const rate = await sesEndpoint(100);
    let refusals = 0;
    try {
      pointAt(rate.url);
      await expect(sesTransport(sesClient(), "order-fanout-dev", () => refusals++)(delivery)).rejects.toThrow(
        "the account's maximum send rate is used up",
      );
      expect(refusals).toBe(1);
    } finally {
      await rate.close();
    }
    const rejected = await sesEndpoint(100, {
      status: 400,
      type: "MessageRejected",
      message: "Email address is not verified.",
    });
    try {
      pointAt(rejected.url);
      const sending = sesTransport(sesClient(), "order-fanout-dev", () => refusals++)(delivery);
      await expect(sending).rejects.toThrow("Email address is not verified.");
      await expect(sending).rejects.not.toThrow(SendingQuotaError);
      expect(refusals).toBe(1);
    } finally {
      await rejected.close();
    }
  });
});
