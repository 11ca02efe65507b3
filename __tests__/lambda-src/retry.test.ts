import { backoffCeilingMs, drain, retryWithBackoff } from "../../lambda-src/shared/retry";

const NO_WAIT = { attempts: 3, baseDelayMs: 0, maxDelayMs: 0 };

describe("retrying with capped full-jitter backoff", () => {
  it("doubles the ceiling from the base on each retry, up to the cap", () => {
    const policy = { attempts: 8, baseDelayMs: 40, maxDelayMs: 250 };
    expect([1, 2, 3, 4, 5, 6, 7].map((retry) => backoffCeilingMs(policy, retry))).toEqual([
      40, 80, 160, 250, 250, 250, 250,
    ]);
  });

  it("waits a random time below the ceiling before each call but the first", async () => {
    jest.useFakeTimers();
    const random = jest.spyOn(Math, "random").mockReturnValue(0.5);
    try {
      const calledAt: number[] = [];
      const done = retryWithBackoff({ attempts: 3, baseDelayMs: 100, maxDelayMs: 150 }, () => {
        calledAt.push(Date.now());
        return Promise.resolve(calledAt.length === 3);
      });
      await jest.runAllTimersAsync();
      expect(await done).toBe(true);
      expect(calledAt.map((t) => t - calledAt[0])).toEqual([0, 50, 50 + 75]);
    } finally {
      random.mockRestore();
      jest.useRealTimers();
    }
  });

  it("stops after the policy's attempts, and at the first error the call throws", async () => {
    let calls = 0;
    expect(await retryWithBackoff(NO_WAIT, () => Promise.resolve(++calls < 0))).toBe(false);
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryWithBackoff(NO_WAIT, () => Promise.reject(new Error(`call ${++calls}`)))).rejects.toThrow(
      "call 1",
    );
    expect(calls).toBe(1);
  });

  it("drains: sends what is left until nothing is, and answers what the attempts left", async () => {
    const sent: number[][] = [];
    const send = (batch: number[]) => {
      sent.push(batch);
      return Promise.resolve(batch.slice(1));
    };
    expect(await drain(NO_WAIT, [1, 2], send)).toEqual([]);
    expect(sent).toEqual([[1, 2], [2]]);
    expect(await drain(NO_WAIT, [1, 2, 3, 4], send)).toEqual([4]);
    sent.length = 0;
    expect(await drain(NO_WAIT, [], send)).toEqual([]);
    expect(sent).toEqual([]);
  });
});
