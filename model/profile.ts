/**
 * An offered load for the simulation, from a JSON file (model/profiles/*.json): either a traffic
 * curve (phases of orders/s over time, each a ramp or a plateau) or a closed loop of clients that
 * each place their next order when the API has answered the last (what `npm run bench` does).
 */
import * as fs from "node:fs";
import * as z from "zod";

const Rate = z.number().min(0, { error: "expected orders/s ≥ 0" });

const Phase = z.strictObject({
  name: z.string().min(1),
  minutes: z.number().positive({ error: "expected minutes > 0" }),
  /** Orders/s at the phase's start and end; the rate moves linearly between them. */
  from: Rate,
  to: Rate,
});

const Common = {
  name: z.string().min(1),
  description: z.string().optional(),
  /** Share of orders the review service receives (totals at or above the review threshold). */
  highValueShare: z.number().min(0).max(1),
};

export const Profile = z.union([
  z.strictObject({ ...Common, kind: z.literal("curve"), phases: z.array(Phase).min(1) }),
  z.strictObject({
    ...Common,
    kind: z.literal("clients"),
    clients: z.int().min(1),
    orders: z.int().min(1),
  }),
]);
export type Profile = z.infer<typeof Profile>;
export type CurveProfile = Extract<Profile, { kind: "curve" }>;

export function loadProfile(file: string): Profile {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new Error(`profile ${file} is not readable JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = Profile.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`profile ${file} is not a valid profile:\n  ${issues.join("\n  ")}`);
  }
  return parsed.data;
}

/** Seconds the curve lasts. */
export function curveSeconds(profile: CurveProfile): number {
  return profile.phases.reduce((s, p) => s + p.minutes * 60, 0);
}

/** Offered orders/s at time `t` (seconds from the start) of a curve; 0 after its end. */
export function offeredRate(profile: CurveProfile, t: number): number {
  let start = 0;
  for (const phase of profile.phases) {
    const length = phase.minutes * 60;
    if (t < start + length) return phase.from + ((phase.to - phase.from) * (t - start)) / length;
    start += length;
  }
  return 0;
}

/**
 * Orders in the busiest 24 hours around a curve: the curve's own, and the rest of the day at its
 * lowest rate (a shop is never quieter than its curve's quietest phase). A closed loop: its orders.
 */
export function ordersInBusiestDay(profile: Profile, ordersInProfile: number): number {
  if (profile.kind === "clients") return ordersInProfile;
  const rest = Math.max(0, 24 * 3600 - curveSeconds(profile));
  const lowest = Math.min(...profile.phases.map((p) => Math.min(p.from, p.to)));
  return ordersInProfile + rest * lowest;
}
