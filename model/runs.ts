/**
 * How a simulation is parameterised for where it runs. On AWS: the environment's topology, each
 * invocation on its own CPU, Lambda's published SQS scaling, throttled overflow. On the laptop:
 * the local stack's topology with the local gateway's API workers, every job sharing the cores
 * the bench measured, and the bench's CPU per order.
 */
import { EnvironmentName, environmentSettings } from "../stacks/environments";
import { quotaRequests } from "./capacity";
import { API_ENVIRONMENTS } from "../local/local-runtime";
import { benchCpuCosts, BenchFile } from "./costs";
import type { Profile } from "./profile";
import { QUOTAS } from "./quotas";
import type { Costs, SimulationOptions } from "./simulation";
import { topologyOf } from "./topology";

/**
 * The environment as designed: with the quotas its design asks raised (docs/scale.md) — the SNS
 * publish quota is the one the simulation meters; Lambda's and SES's are read from the plan.
 */
export function awsRun(env: EnvironmentName, profile: Profile, costs: Costs, windowSeconds: number): SimulationOptions {
  const topology = topologyOf(env);
  const sns = quotaRequests(topology, environmentSettings(env, {}).peakOrdersPerSecond).find(
    (r) => r.quota === QUOTAS.snsFifoMessageGroupScope,
  );
  return {
    topology: sns ? { ...topology, topicPerSecond: sns.askFor } : topology,
    costs,
    profile,
    scaling: { initial: QUOTAS.lambdaSqsInitial.value, perMinute: QUOTAS.lambdaSqsScaleUp.value },
    windowSeconds,
  };
}

export function localRun(
  profile: Profile,
  bench: BenchFile,
  benchFile: string,
  windowSeconds: number,
): SimulationOptions {
  if (profile.kind !== "clients")
    throw new Error("the local runtime is simulated under a clients profile (model/profiles/bench-*.json)");
  const topology = topologyOf("local");
  const { costs, cores } = benchCpuCosts(bench, benchFile);
  return {
    topology: { ...topology, api: { ...topology.api, reservedConcurrency: API_ENVIRONMENTS } },
    costs,
    profile,
    cores,
    windowSeconds,
  };
}
