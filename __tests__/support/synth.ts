import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Testing, TerraformStack } from "cdktf";
import { format } from "@cdktf/hcl-tools";
import {
  EnvironmentName,
  EnvironmentSettings,
  environmentSettings,
  stateBootstrapSettings,
} from "../../stacks/environments";
import { FanoutStack } from "../../stacks/fanout-stack";
import { StateBootstrapStack } from "../../stacks/state-bootstrap-stack";
import { FUNCTION_BUNDLES } from "../../contract/services";
import { deploymentPackage } from "../../stacks/bundles";
import { synthLocalPlan, TerraformPlan } from "../../local/plan/synth-plan";

/** A folder of stand-in deployment packages, so infrastructure tests need neither a build nor its content. */
export function fakeBundleRoot(content = "exports.handler = async () => {};\n"): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "order-fanout-bundles-"));
  for (const name of FUNCTION_BUNDLES) fs.writeFileSync(deploymentPackage(name, root), content);
  return root;
}

/** Settings as committed, unaffected by the ORDER_FANOUT_* variables of whoever runs the tests. */
export function committedSettings(name: EnvironmentName): EnvironmentSettings {
  return environmentSettings(name, {});
}

export function fanoutStack(settings: EnvironmentSettings, bundleRoot = fakeBundleRoot()): FanoutStack {
  return new FanoutStack(Testing.app(), `order-fanout-${settings.name}`, { settings, bundleRoot });
}

export function bootstrapStack(): StateBootstrapStack {
  return new StateBootstrapStack(Testing.app(), "state-bootstrap", stateBootstrapSettings({}));
}

/** Terraform JSON of a stack, as the local runtime and `terraform` read it. */
export interface Plan {
  terraform: any;
  provider: any;
  resource: Record<string, Record<string, any>>;
  data?: Record<string, Record<string, any>>;
  output?: Record<string, any>;
}

export function synthJson(stack: TerraformStack): Plan {
  return JSON.parse(Testing.synth(stack));
}

/** All resources of one type, by their local name. */
export function resourcesOf(plan: Plan, type: string): Record<string, any> {
  return plan.resource[type] ?? {};
}

/**
 * The HCL `cdktf synth --hcl` writes for a stack, formatted the same way, with what churns on
 * every code change (asset hashes) and every provider upgrade (its version) replaced by markers.
 */
export async function reviewableHcl(stack: TerraformStack): Promise<string> {
  const hcl = await format(Testing.synthHcl(stack));
  return hcl
    .replace(/(assets\/[^/"]+\/)[0-9A-F]{32}(\/[^/"]+\.zip)/g, "$1<ASSET_HASH>$2")
    .replace(/(source_code_hash\s*=\s*)"[0-9A-F]{32}"/g, '$1"<ASSET_HASH>"')
    .replace(/(\bversion\s*=\s*)"\d+\.\d+\.\d+"/g, '$1"<PROVIDER_VERSION>"');
}

/** `${aws_x.name.attr}` or, inside jsonencode, `aws_x.name.attr` -> the resource's local name. */
export function referencedName(expression: string, type: string): string | undefined {
  return new RegExp(`\\b${type}\\.([^.}\\s]+)\\.`).exec(expression)?.[1];
}

/** The account the plan loader tests resolve the local plan in. */
export const LOCAL_TEST_ACCOUNT = {
  region: "us-east-1",
  accountId: "000000000000",
  sqsEndpoint: "http://sqs.local:4566",
  apiEndpoint: "http://localhost:3000",
};

/** The local stack's plan, synthesized with stand-in packages into a folder of its own. */
export function localPlanForTests(name: string): TerraformPlan {
  return synthLocalPlan(path.join(os.tmpdir(), `order-fanout-${name}-${process.pid}`), {}, fakeBundleRoot());
}
