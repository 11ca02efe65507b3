import { LocalSes } from "../../../local/emulation/ses";

const ses = () =>
  new LocalSes({ identities: ["orders@localhost", "shop.example"], configurationSets: ["local"] }, "us-east-1", {
    maxSendRate: 14,
    max24HourSend: 50_000,
  });
const send = (s: LocalSes, input: Record<string, unknown>) =>
  s.answer("POST", "/v2/email/outbound-emails", Buffer.from(JSON.stringify(input)));
const mail = {
  FromEmailAddress: "orders@localhost",
  Destination: { ToAddresses: ["ada@example.com"] },
  ConfigurationSetName: "local",
  Content: { Simple: { Subject: { Data: "Order o-1 confirmed" }, Body: { Text: { Data: "Thank you" } } } },
};

describe("the local SES v2", () => {
  it("keeps what SendEmail sends from a declared identity, through a declared configuration set", () => {
    const s = ses();
    const answer = send(s, mail);
    expect(answer.status).toBe(200);
    expect(s.mailbox).toEqual([
      expect.objectContaining({
        messageId: JSON.parse(answer.body).MessageId,
        from: "orders@localhost",
        to: ["ada@example.com"],
        subject: "Order o-1 confirmed",
        text: "Thank you",
        configurationSet: "local",
      }),
    ]);
  });

  it("sends from any address of a declared domain, and the display name does not count", () => {
    expect(send(ses(), { ...mail, FromEmailAddress: "Shop <sales@shop.example>" }).status).toBe(200);
  });

  it.each([
    [
      { FromEmailAddress: "sales@other.example" },
      400,
      "MessageRejected",
      /not verified.*US-EAST-1: sales@other\.example/,
    ],
    [{ ConfigurationSetName: "prod" }, 404, "NotFoundException", /Configuration set <prod> does not exist/],
    [{ Destination: { ToAddresses: [] } }, 400, "BadRequestException", /at least one address/],
    [
      { Content: { Simple: { Subject: { Data: "s" } } } },
      400,
      "BadRequestException",
      /Subject and a Text or Html Body/,
    ],
  ])("refuses %j as SES does, and keeps nothing", (change, status, type, message) => {
    const s = ses();
    const answer = send(s, { ...mail, ...change });
    expect({ status: answer.status, type: answer.headers["x-amzn-errortype"] }).toEqual({ status, type });
    expect(JSON.parse(answer.body).message).toMatch(message);
    expect(s.mailbox).toEqual([]);
  });

  it("counts the recipients it accepted in the last 24 hours for its send quota, and no refused send", () => {
    let now = Date.parse("2026-12-07T10:00:00Z");
    const s = new LocalSes(
      { identities: ["orders@localhost"], configurationSets: ["local"] },
      "us-east-1",
      {
        maxSendRate: 14,
        max24HourSend: 50_000,
      },
      () => now,
    );
    send(s, mail);
    send(s, { ...mail, Destination: { ToAddresses: ["a@example.com"], CcAddresses: ["b@example.com"] } });
    send(s, { ...mail, FromEmailAddress: "someone@elsewhere.example" });
    expect(s.sendQuota()).toEqual({ Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 3 });
    now += 12 * 3600 * 1000;
    send(s, mail);
    expect(s.sendQuota().SentLast24Hours).toBe(4);
    now += 12 * 3600 * 1000 + 60 * 1000;
    expect(s.sendQuota().SentLast24Hours).toBe(1);
  });

  it("refuses a send beyond the 24-hour quota as SES does, keeps nothing, and takes sends again as the day rolls on", () => {
    let now = Date.parse("2026-12-07T10:00:00Z");
    const s = new LocalSes(
      { identities: ["orders@localhost"], configurationSets: ["local"] },
      "us-east-1",
      { maxSendRate: 14, max24HourSend: 2 },
      () => now,
    );
    expect(send(s, mail).status).toBe(200);
    // Two recipients would make three in the last 24 hours: the whole send is refused.
    const pair = { ...mail, Destination: { ToAddresses: ["a@example.com", "b@example.com"] } };
    const refused = send(s, pair);
    expect({ status: refused.status, type: refused.headers["x-amzn-errortype"] }).toEqual({
      status: 400,
      type: "ThrottlingException",
    });
    expect(JSON.parse(refused.body).message).toBe("Daily message quota exceeded.");
    expect(send(s, mail).status).toBe(200);
    expect(send(s, mail).status).toBe(400);
    expect(s.mailbox).toHaveLength(2);
    expect(s.sendQuota().SentLast24Hours).toBe(2);
    // A rolling window: a day and a minute after the first sends, they no longer count.
    now += 24 * 3600 * 1000 + 60 * 1000;
    expect(send(s, pair).status).toBe(200);
  });
});
