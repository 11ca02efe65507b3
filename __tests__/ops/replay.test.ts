import { dedupeRefusal, replayRequest, snsConfig } from "../../ops/replay";
import { replayCommand } from "../../bin/replay";

const NOW = new Date("2026-05-04T12:00:00Z");

/** Runs the command with the console captured; answers the exit status and what it wrote to stderr. */
async function run(...argv: string[]) {
  const errors: string[] = [];
  const spy = jest.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
  try {
    const status = await replayCommand(argv, { now: () => NOW });
    return { status, errors };
  } finally {
    spy.mockRestore();
  }
}

describe("replay's arguments", () => {
  it.each([
    [[], /name a service/],
    [["shipping", "--from", "2026-05-04T11:00:00Z", "--env", "local"], /unknown service "shipping"/],
    [["billing", "review", "--from", "2026-05-04T11:00:00Z", "--env", "local"], /one service at a time/],
    [["billing", "--from", "2026-05-04T11:00:00Z"], /--env is required/],
    [["billing", "--from", "2026-05-04T11:00:00Z", "--env", "qa"], /unknown environment "qa"/],
    [["billing", "--env", "local"], /--from is required/],
    [
      ["billing", "--from", "2026-05-04T11:00:00Z", "--env", "dev"],
      /dev keeps no archive \(snsArchiveRetentionDays 0\)/,
    ],
    [["billing", "--from", "yesterday", "--env", "local"], /--from must be an ISO 8601 time with a zone/],
    [["billing", "--from", "2026-05-04T11:00:00", "--env", "local"], /--from must be an ISO 8601 time with a zone/],
    [
      ["billing", "--from", "2026-05-04T10:00:00Z", "--to", "2026-05-04T11:00:00Z", "--env", "local"],
      /--to is refused: SNS does not document what the subscription receives after a replay that ends before now/,
    ],
    [["billing", "--from", "2026-05-04T13:00:00Z", "--env", "local"], /--from must be before now/],
    [["billing", "--from", "2026-05-03T11:00:00Z", "--env", "local"], /older than local's archive \(1 days\)/],
    [["billing", "--from", "2026-05-04T11:00:00Z", "--env", "local", "--since", "1h"], /Unknown option '--since'/],
  ])("%j is a usage error (exit 2, one line)", async (argv, message) => {
    const { status, errors } = await run(...argv);
    expect(status).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^replay: /);
    expect(errors[0]).toMatch(message);
  });

  it("accepts a window inside the archive", () => {
    const request = replayRequest(["billing", "--from", "2026-04-30T12:00:00+02:00", "--env", "prod"], {}, NOW);
    expect(request.service).toBe("billing");
    expect(request.from.toISOString()).toBe("2026-04-30T10:00:00.000Z");
    expect(request.target.settings.name).toBe("prod");
  });

  it("accepts prod's whole 30-day archive: notification remembers sent e-mails as long", () => {
    const request = replayRequest(["notification", "--from", "2026-04-05T12:00:00Z", "--env", "prod"], {}, NOW);
    expect(request.from.toISOString()).toBe("2026-04-05T12:00:00.000Z");
  });

  it("refuses a window the consumers cannot deduplicate, naming both durations", () => {
    expect(dedupeRefusal(new Date("2026-04-14T12:00:00Z"), NOW, 30, 14)).toBe(
      "--from reaches further back than notification remembers sent e-mails (14 days; the archive keeps 30): " +
        "a replay from there would e-mail customers again",
    );
    expect(dedupeRefusal(new Date("2026-04-24T12:00:00Z"), NOW, 30, 14)).toBeUndefined();
  });

  it("reaches SNS in the environment's region, or the local runtime's SNS endpoint", () => {
    const args = ["billing", "--from", "2026-05-04T11:00:00Z"];
    expect(snsConfig(replayRequest([...args, "--env", "staging"], {}, NOW).target, {})).toEqual({
      region: "eu-west-1",
    });
    const local = replayRequest([...args, "--env", "local"], {}, NOW).target;
    expect(snsConfig(local, {})).toMatchObject({ region: "us-east-1", endpoint: "http://localhost:4567" });
    expect(snsConfig(local, { AWS_ENDPOINT_URL_SNS: "http://127.0.0.1:4867" }).endpoint).toBe("http://127.0.0.1:4867");
  });

  it("says when the local runtime is not there (exit 1, one line)", async () => {
    const previous = process.env.AWS_ENDPOINT_URL_SNS;
    process.env.AWS_ENDPOINT_URL_SNS = "http://127.0.0.1:9"; // discard port: nothing listens
    try {
      const { status, errors } = await run("billing", "--from", "2026-05-04T11:00:00Z", "--env", "local");
      expect(status).toBe(1);
      expect(errors).toEqual([
        expect.stringMatching(/^replay: nothing answers at http:\/\/127\.0\.0\.1:9: start the local runtime/),
      ]);
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SNS;
      else process.env.AWS_ENDPOINT_URL_SNS = previous;
    }
  });
});
