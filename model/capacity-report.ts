/**
 * `npm run capacity`: writes docs/capacity.md (model/capacity-doc.ts).
 *
 *   --costs <file>       bench results the handler times come from (default bench/results.json)
 *   --cloudwatch <hours> take each environment's durations from CloudWatch instead (deployed only)
 *   --out <file>         default docs/capacity.md
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { environmentSettings } from "../stacks/environments";
import { benchDurations, cloudWatchDurations, readBench } from "./costs";
import { capacityDocument } from "./capacity-doc";

const ROOT = path.resolve(__dirname, "..");

const { values } = parseArgs({
  options: {
    costs: { type: "string", default: path.join(ROOT, "bench", "results.json") },
    cloudwatch: { type: "string" },
    out: { type: "string", default: path.join(ROOT, "docs", "capacity.md") },
  },
});

async function main(): Promise<void> {
  const hours = values.cloudwatch;
  const document = await capacityDocument((topology) =>
    hours
      ? cloudWatchDurations(topology, Number(hours), environmentSettings(topology.environment).region)
      : Promise.resolve(benchDurations(readBench(values.costs), path.relative(ROOT, values.costs))),
  );
  fs.writeFileSync(values.out, document);
  console.log(`wrote ${path.relative(process.cwd(), values.out)}`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
