/**
 * docs/scale.md: the peak design of an environment (read from its plan), the quotas it needs
 * raised, its simulation under a traffic curve with the chart, what the simulation leaves out, and
 * the check that makes it worth trusting: the same simulation, parameterised as the laptop,
 * beside the bench's measurement of the local runtime.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { environmentSettings, EnvironmentName, TableKind } from "../stacks/environments";
import {
  concurrencyAt,
  HEADROOM,
  limitsOf,
  orderReadUnits,
  orderWriteUnits,
  quotaRequests,
  RESERVATIONS_PER_STOCK_ITEM,
} from "./capacity";
import { BenchFile, Contention, oneClientContention } from "./costs";
import { count, duration, markdownTable, percent } from "./format";
import { loadProfile, ordersInBusiestDay, Profile } from "./profile";
import { QUOTAS } from "./quotas";
import { localRun } from "./runs";
import { BACKLOG_SECONDS, simulate, SimulationOptions, SimulationResult } from "./simulation";
import { compareWithBench, SERVICE_SUMMARY_HEADER, serviceSummaryRows } from "./simulation-report";

export interface ScaleReportInput {
  readonly env: EnvironmentName;
  readonly profile: Profile;
  readonly options: SimulationOptions;
  readonly result: SimulationResult;
  readonly chart: string;
  readonly bench: BenchFile;
  readonly benchFile: string;
  /** The closed-loop profiles the laptop's simulation is checked with. */
  readonly benchProfiles: readonly string[];
  readonly command: string;
}

function design(input: ScaleReportInput): string[] {
  const { topology, costs } = input.options;
  const settings = environmentSettings(input.env, {});
  const peak = settings.peakOrdersPerSecond;
  const share = input.profile.highValueShare;
  const needed = concurrencyAt(topology, costs, peak, share);
  const rows = topology.consumers.map((c) => [
    c.service,
    String(c.batchSize),
    count(c.maxConcurrency),
    count(needed.consumers[c.service]),
    c.sendRatePerSecond !== undefined ? `${count(c.sendRatePerSecond)} e-mails/s` : "-",
    c.intakePerSecond > QUOTAS.sqsFifoPerAction.value ? "on" : "off",
  ]);
  const warm = settings.warmThroughput ?? {};
  const limits = limitsOf(topology, costs, share);
  return [
    "## The peak design",
    "",
    `${input.env} is sized for **${count(peak)} orders/s** (\`peakOrdersPerSecond\` in stacks/environments.ts).`,
    `The API stage throttles at ${count(topology.api.rateLimit)} requests/s (burst ${count(topology.api.burstLimit)}); the`,
    `orders API function has ${count(topology.api.reservedConcurrency)} reserved and needs about ${count(needed.api)} at the peak`,
    `(orders/s × its p95 time of ${costs.api.p95Ms} ms). The topic and queues are high-throughput FIFO: ` +
      `${topology.highThroughputFifo ? "on" : "off"}. Lambda concurrency for the account: ${count(topology.accountConcurrency)}.`,
    "",
    markdownTable(
      ["consumer", "batch", "maximum concurrency", "needed at the peak", "paced to", "high-throughput queue"],
      rows,
      [false, true, true, true, true, false],
    ),
    "",
    "Tables are on demand; warm throughput (what each serves from the first second, instead of doubling",
    "up over minutes) where the peak needs it. " +
      (costs.orderItemBytes !== undefined
        ? `An order's item (${count(costs.orderItemBytes)} B once complete, measured) is written ` +
          `${orderWriteUnits(costs.orderItemBytes, share).toFixed(1)} units' worth in its life (model/capacity.ts): ` +
          `${count(peak * orderWriteUnits(costs.orderItemBytes, share))} write units/s at the peak, and read ` +
          `${orderReadUnits(costs.orderItemBytes, share).toFixed(2)} units' worth: ${count(peak * orderReadUnits(costs.orderItemBytes, share))}/s.`
        : "The order item's size was not measured (CloudWatch costs): check the orders table's writes."),
    "",
    markdownTable(
      ["table", "read units/s", "write units/s"],
      (Object.entries(warm) as [TableKind, { readUnitsPerSecond: number; writeUnitsPerSecond: number }][]).map(
        ([table, w]) => [table, count(w.readUnitsPerSecond), count(w.writeUnitsPerSecond)],
      ),
      [false, true, true],
    ),
    "",
    "A SKU in most orders of a flash sale is a single item in a single partition (1,000 write units/s,",
    `2 a transactional write: ${count(RESERVATIONS_PER_STOCK_ITEM)} reservations/s); its stock is split over \`stockShards\` items`,
    `by the catalogue (docs/catalogue.md): N shards take about ${count(RESERVATIONS_PER_STOCK_ITEM)} × N reservations/s.`,
    "",
    `What each part sustains alone at this design (review at ${share * 100} % of orders), lowest first:`,
    "",
    markdownTable(
      ["part", "orders/s", "raised by"],
      limits.map((l) => [l.part, count(Math.floor(l.ordersPerSecond)), l.raisedBy]),
      [false, true, false],
    ),
    "",
  ];
}

function quotas(input: ScaleReportInput): string[] {
  const { topology } = input.options;
  const settings = environmentSettings(input.env, {});
  const requests = quotaRequests(
    topology,
    settings.peakOrdersPerSecond,
    input.options.costs.orderItemBytes,
    input.profile.highValueShare,
    emailsPerDay(input),
  );
  const rows = requests.map((r) => [
    r.quota.raise ?? r.quota.unit,
    count(r.quota.value),
    count(r.askFor),
    r.quota.source,
  ]);
  return [
    "## Quotas to raise before the peak",
    "",
    `Asked with ${HEADROOM}× headroom over what the peak uses where the quota is shared by the account, and`,
    "DynamoDB's never below the warm throughput a table asks for. SES's rate is asked at what the notification",
    "service paces to: AWS asks for no more than is needed, and the objective's 15 minutes absorb what the peak",
    "sends above it.",
    "",
    markdownTable(["quota (Service Quotas)", "default", "ask for", "source"], rows, [false, true, true, false]),
    "",
  ];
}

/** E-mails in the busiest 24 hours: one confirmation an order (SES counts the rolling 24 hours). */
function emailsPerDay(input: ScaleReportInput): number {
  return ordersInBusiestDay(input.profile, input.result.services.notification.processed);
}

/** The notification service's objective against the simulated peak, and the day against SES's 24-hour quota. */
function emailObjective(input: ScaleReportInput): string[] {
  const { objective, dailyQuota, maxSendRate } = environmentSettings(input.env, {}).notification;
  const latency = input.result.services.notification.latency;
  const day = emailsPerDay(input);
  const percentile = objective?.percent ?? 99;
  const within = latency.percentile(percentile);
  return [
    (objective
      ? `E-mail objective (notification.objective): ${objective.percent} % of confirmations sent within ` +
        `${objective.withinMinutes} minutes of the order. `
      : "No e-mail objective (notification.objective) in this environment. ") +
      `Simulated at an SES rate of ${count(maxSendRate)}/s: ${percentile} % within ${duration(within)}` +
      (objective ? (within <= objective.withinMinutes * 60 ? ", **met**." : ", **not met**.") : "."),
    `The busiest 24 hours send about ${count(day)} e-mails (the curve's, and the rest of the day at its quietest rate); ` +
      `SES's 24-hour quota (notification.dailyQuota) is ${count(dailyQuota)}: ` +
      (day <= dailyQuota
        ? `${Math.round((100 * day) / dailyQuota)} % of it. `
        : `**${count(day - dailyQuota)} e-mails beyond it** would be refused. `) +
      "The `email-daily-quota` alarm fires when the account's sends in the last 24 hours reach 80 % of it. " +
      "An e-mail SES refuses for either quota is retried, then waits in the notification DLQ (14 days) for " +
      "`npm run ops -- dlq redrive notification`: nothing is lost, confirmations come late.",
    "",
  ];
}

function simulation(input: ScaleReportInput): string[] {
  const { result, profile } = input;
  const phases = profile.kind === "curve" ? profile.phases : [];
  return [
    `## ${profile.name}, simulated`,
    "",
    profile.description ?? "",
    "",
    markdownTable(
      ["phase", "minutes", "orders/s"],
      phases.map((p) => [
        p.name,
        String(p.minutes),
        p.from === p.to ? count(p.from) : `${count(p.from)} → ${count(p.to)}`,
      ]),
      [false, true, true],
    ),
    "",
    `Handler times: ${input.options.costs.source}.`,
    "",
    `![${profile.name} on ${input.env}](${path.basename(input.chart)})`,
    "",
    `Orders: ${count(result.offered)} offered, ${count(result.accepted)} accepted, ${count(result.throttled)} throttled by the API. ` +
      `API p50 ${duration(result.apiLatency.percentile(50))}, p99 ${duration(result.apiLatency.percentile(99))}.`,
    "",
    markdownTable(
      SERVICE_SUMMARY_HEADER,
      serviceSummaryRows(result),
      SERVICE_SUMMARY_HEADER.map((_, i) => i > 0),
    ),
    "",
    `Latency is from the order's placing to the service's outcome. A backlog has cleared when the queue's oldest`,
    `message is younger than ${BACKLOG_SECONDS} s again. Every queue keeps a message`,
    `${duration(Math.min(...input.options.topology.consumers.map((c) => c.retentionSeconds)))}: a backlog must drain well inside that.`,
    "",
    ...emailObjective(input),
  ];
}

function leftOut(): string[] {
  return [
    "## What the simulation leaves out",
    "",
    "- Cold starts, function errors, retries and the DLQ: every message succeeds on its first receive.",
    "- Order within a message group: an order's two events are never processed at once on AWS; they",
    "  are rare enough (cancellations) not to change throughput, so the simulation treats them apart.",
    "- The outbox relay: the API publishes at once; the relay only publishes what SNS refused.",
    "- DynamoDB throttling: the tables are taken as warm for the peak (the warm throughput above).",
    "- SNS and SQS delivery time: not measured, taken as zero. Lambda's scale-up on FIFO queues is",
    `  taken as the ${QUOTAS.lambdaSqsScaleUp.value}/minute AWS publishes for standard queues.`,
    "- Provisioned pollers (Lambda's provisioned mode for SQS, faster scale-up) are not used: AWS documents",
    "  them for SQS sources without saying FIFO queues are supported, they exclude maximum concurrency",
    "  (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-parameters.html), and the AWS provider",
    "  6.25 documents `provisioned_poller_config` for Kafka sources only. Worth a trial on a FIFO queue.",
    "",
  ];
}

function trust(input: ScaleReportInput): string[] {
  const rows: string[][] = [];
  const beyond: string[] = [];
  let oneClientBusy: number | undefined;
  for (const file of input.benchProfiles) {
    const profile = loadProfile(file);
    const result = simulate(localRun(profile, input.bench, input.benchFile, 1));
    if (profile.kind === "clients" && profile.clients === 1) oneClientBusy = result.coreUtilisation;
    for (const c of compareWithBench(result, profile, input.bench)) {
      rows.push([
        profile.name,
        c.figure,
        c.measured.toFixed(1),
        c.predicted.toFixed(1),
        percent(c.predicted, c.measured),
      ]);
      if (Math.abs(c.predicted - c.measured) > 0.2 * c.measured) beyond.push(`${profile.name}, ${c.figure}`);
    }
  }
  return [
    "## Checked against the laptop",
    "",
    "The same simulation, parameterised as the local runtime (its plan, the gateway's API workers, two",
    "pollers per queue, every job sharing the machine's cores, the CPU one order took in the bench's",
    `one-client runs), beside the bench's measurement of the same loads (${input.benchFile},`,
    `${input.bench.fanOutMeasured.date.slice(0, 10)}):`,
    "",
    markdownTable(["load", "figure", "bench", "simulation", "difference"], rows, [false, false, true, true, true]),
    "",
    `Beyond 20 %: ${beyond.length ? beyond.join("; ") : "none"}.`,
    "",
    ...laptopExplanation(oneClientContention(input.bench, input.benchFile), oneClientBusy),
    "",
  ];
}

/**
 * Why the laptop's one-client latency is where it is, from the bench's own figures: how much each
 * function's invocations were stretched beyond their CPU, how idle the cores stayed, and how many
 * jobs were in flight, beside how busy the simulated cores were.
 */
function laptopExplanation(measured: Contention, simulatedBusy: number | undefined): string[] {
  const stretches = Object.values(measured.stretch);
  const low = Math.min(...stretches).toFixed(1);
  const high = Math.max(...stretches).toFixed(1);
  return [
    "A service's outcome counts when its record is done (the bench stamps it with the record's log line);",
    "the invocation's own flush comes after. The simulation shares the cores equally among the jobs in",
    `flight, which the one-client runs bear out per job: each function took ${low} to ${high} times its CPU per`,
    "invocation, short jobs and long alike (a scheduler serving short jobs first would not stretch them",
    "alike). Where the cores are the limit (a backlog, as with ten clients) the CPU an order causes sets",
    `throughput and latency. With one client the cores stayed ${(measured.idleShare * 100).toFixed(0)} % idle with ` +
      `${measured.jobsInFlight.toFixed(1)} invocations in flight on`,
    "average (Little's law on the functions' measured times): its jobs also wait without using CPU (on each",
    "other's processes, on timers), which the bench does not measure apart. The simulated jobs are CPU",
    `alone: they keep the cores ${simulatedBusy === undefined ? "busier" : `${(simulatedBusy * 100).toFixed(0)} % busy`}, ` +
      "and each handler's spread, measured under contention, is drawn again as CPU, so the slowest of an",
    "order's services is later than on the machine. Closing that needs the handlers timed one order at a",
    "time (their spread and waits without contention), which the bench does not do yet.",
    "",
  ];
}

export function writeScaleReport(file: string, input: ScaleReportInput): void {
  const lines = [
    `# Scale: ${input.env} under ${input.profile.name}`,
    "",
    `Generated by \`${input.command}\`; do not edit.`,
    "",
    ...design(input),
    ...quotas(input),
    ...simulation(input),
    ...leftOut(),
    ...trust(input),
  ];
  fs.writeFileSync(file, lines.join("\n"));
}
