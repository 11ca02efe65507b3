import * as fs from "node:fs";
import * as path from "node:path";
import { capacityDocument } from "../../model/capacity-doc";
import { benchDurations, readBench } from "../../model/costs";

const ROOT = path.join(__dirname, "..", "..");

describe("docs/capacity.md", () => {
  it("is what `npm run capacity` generates from the settings and bench/results.json (rerun it after changing either)", async () => {
    const costs = benchDurations(readBench(path.join(ROOT, "bench", "results.json")), "bench/results.json");
    const generated = await capacityDocument(() => Promise.resolve(costs));
    expect(fs.readFileSync(path.join(ROOT, "docs", "capacity.md"), "utf8")).toBe(generated);
  });
});
