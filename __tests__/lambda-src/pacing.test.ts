import { paced } from "../../lambda-src/notification/pacing";
import { sendIntervalMs } from "../../contract/send-pace";

describe("sending inside the SES rate", () => {
  it("gives each execution environment its share of the account's rate", () => {
    expect(sendIntervalMs({ maxSendRate: 2000, senders: 100 })).toBe(50);
    expect(() => sendIntervalMs({ maxSendRate: 0, senders: 2 })).toThrow("maxSendRate > 0");
    expect(() => sendIntervalMs({ maxSendRate: 14, senders: 0 })).toThrow("senders ≥ 1");
  });

  it("waits for each send's slot, and never waits when sends are already slower than the interval", async () => {
    let now = 1000;
    const waits: number[] = [];
    const sent: number[] = [];
    const transport = paced(
      () => {
        sent.push(now);
        return Promise.resolve();
      },
      50,
      () => now,
      (ms) => {
        waits.push(ms);
        now += ms;
        return Promise.resolve();
      },
    );
    const delivery = { eventId: "e", message: { from: "a@b.co", to: "c@d.co", subject: "s", text: "t" } };
    await transport(delivery);
    await transport(delivery);
    await transport(delivery);
    expect(sent).toEqual([1000, 1050, 1100]);
    now += 200;
    await transport(delivery);
    expect(sent[3]).toBe(1300);
    expect(waits).toEqual([50, 50]);
  });
});
