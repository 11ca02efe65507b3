import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing } from "cdktf";
import { EnvironmentName, environmentSettings } from "../stacks/environments";
import { FanoutStack } from "../stacks/fanout-stack";
import { deploymentPackage } from "../stacks/bundles";
import { FUNCTION_BUNDLES } from "../contract/services";
import { TerraformPlan } from "../local/plan/synth-plan";

/** The synthesized Terraform JSON of an environment's fan-out stack (bundles stubbed: only names matter). */
export function synthesizedPlan(name: EnvironmentName, env: NodeJS.ProcessEnv = {}): TerraformPlan {
  const settings = environmentSettings(name, env);
  const bundles = fs.mkdtempSync(path.join(os.tmpdir(), "model-bundles-"));
  try {
    for (const fn of FUNCTION_BUNDLES) fs.writeFileSync(deploymentPackage(fn, bundles), "");
    return JSON.parse(
      Testing.synth(new FanoutStack(Testing.app(), `order-fanout-${name}`, { settings, bundleRoot: bundles })),
    ) as TerraformPlan;
  } finally {
    fs.rmSync(bundles, { recursive: true, force: true });
  }
}
