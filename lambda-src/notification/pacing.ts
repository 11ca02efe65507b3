/** Each execution environment's share of the SES send rate (the rule: contract/send-pace.ts). */
import { EmailTransport } from "./email";

/** The transport, sending no more often than once per `intervalMs` in this execution environment. */
export function paced(
  transport: EmailTransport,
  intervalMs: number,
  now: () => number = Date.now,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): EmailTransport {
  let nextSlot = 0;
  return async (delivery) => {
    const slot = Math.max(now(), nextSlot);
    nextSlot = slot + intervalMs;
    const wait = slot - now();
    if (wait > 0) await sleep(wait);
    await transport(delivery);
  };
}
