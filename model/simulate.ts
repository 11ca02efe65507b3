/**
 * `npm run simulate -- --env <env> --profile <file>`: the deployed topology of <env>, read from its
 * synthesized plan, under the profile's offered load. Prints per service the throughput, queue
 * depth, oldest message age and latency over time, and writes a chart (SVG).
 *
 *   --costs <file>       the bench results the handler times come from (default bench/results.json)
 *   --cloudwatch <hours> AWS environments: take durations from CloudWatch instead (last <hours>)
 *   --chart <file.svg>   default simulation-<env>-<profile>.svg in the current folder
 *   --report <file.md>   also write the scale report (docs/scale.md is `--env prod --profile
 *                        model/profiles/black-friday.json --report docs/scale.md`)
 *   --window <seconds>   the reporting interval (default: 1 s for a closed loop, 60 s for a curve)
 *
 * For `--env local` the run is parameterised as the laptop: the bench's CPU per order on the
 * machine's shared cores, two pollers per queue, the local gateway's API workers; with a
 * `clients` profile it prints the bench's own measurement of that load beside the prediction.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ENVIRONMENT_NAMES, EnvironmentName, environmentSettings } from "../stacks/environments";
import { benchDurations, cloudWatchDurations, readBench } from "./costs";
import { awsRun, localRun } from "./runs";
import { loadProfile, Profile } from "./profile";
import { simulate, SimulationOptions, SimulationResult } from "./simulation";
import { topologyOf } from "./topology";
import { simulationChart } from "./simulation-chart";
import { benchComparison, simulationTable, summaryTable } from "./simulation-report";
import { writeScaleReport } from "./scale-report";

const ROOT = path.resolve(__dirname, "..");
/** The loads the bench measures, simulated as the laptop for the report's check. */
const BENCH_PROFILES = ["bench-1-client", "bench-10-clients"].map((name) =>
  path.join(__dirname, "profiles", `${name}.json`),
);

const { values } = parseArgs({
  options: {
    env: { type: "string" },
    profile: { type: "string" },
    costs: { type: "string", default: path.join(ROOT, "bench", "results.json") },
    cloudwatch: { type: "string" },
    chart: { type: "string" },
    report: { type: "string" },
    window: { type: "string" },
  },
});

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function options(env: EnvironmentName, profile: Profile): Promise<SimulationOptions> {
  const windowSeconds = Number(values.window ?? (profile.kind === "clients" ? 1 : 60));
  if (!(windowSeconds > 0)) fail(`--window must be a number of seconds > 0, got ${values.window}`);
  if (env === "local") return localRun(profile, readBench(values.costs), values.costs, windowSeconds);
  const costs = values.cloudwatch
    ? await cloudWatchDurations(topologyOf(env), Number(values.cloudwatch), environmentSettings(env).region)
    : benchDurations(readBench(values.costs), path.relative(ROOT, values.costs));
  return awsRun(env, profile, costs, windowSeconds);
}

async function main(): Promise<void> {
  const env = values.env as EnvironmentName | undefined;
  if (!env || !ENVIRONMENT_NAMES.includes(env)) fail(`--env must be one of ${ENVIRONMENT_NAMES.join(", ")}`);
  if (!values.profile) fail("--profile <file> is required, e.g. model/profiles/black-friday.json");
  const profile = loadProfile(values.profile);
  const run = await options(env, profile);
  const started = Date.now();
  const result: SimulationResult = simulate(run);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${profile.name} on ${env}: ${result.events.toLocaleString("en-US")} events in ${seconds} s`);
  console.log(`costs: ${run.costs.source}`);
  console.log(simulationTable(result, profile));
  console.log(summaryTable(result));
  if (env === "local" && profile.kind === "clients")
    console.log(benchComparison(result, profile, readBench(values.costs)));
  const profileName = path.basename(values.profile, ".json");
  const chart = values.chart ?? `simulation-${env}-${profileName}.svg`;
  fs.writeFileSync(chart, simulationChart(result, `${profile.name} on ${env}`));
  console.log(`wrote ${path.relative(process.cwd(), chart)}`);
  if (values.report) {
    writeScaleReport(values.report, {
      env,
      profile,
      options: run,
      result,
      chart,
      bench: readBench(values.costs),
      benchFile: path.relative(ROOT, values.costs),
      benchProfiles: BENCH_PROFILES,
      command: `npm run simulate -- ${process.argv.slice(2).join(" ")}`,
    });
    console.log(`wrote ${path.relative(process.cwd(), values.report)}`);
  }
}

main().catch((error: Error) => fail(error.message));
