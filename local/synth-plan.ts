import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { environmentSettings } from "../stacks/environments";
import { FanoutStack } from "../stacks/fanout-stack";

export const LOCAL_STACK = "order-fanout-local";

/** Terraform JSON as `cdktf synth` writes it to cdk.tf.json. */
export interface TerraformPlan {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  [block: string]: unknown;
}

/**
 * Synthesizes the `order-fanout-local` stack, exactly as `cdktf synth` would, into `outdir` and
 * returns its cdk.tf.json. In process: the CLI adds seconds and nothing the runtime needs.
 */
export function synthLocalPlan(outdir: string): TerraformPlan {
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir });
  new FanoutStack(app, LOCAL_STACK, { settings: environmentSettings("local", {}) });
  app.synth();
  return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", LOCAL_STACK, "cdk.tf.json"), "utf8")) as TerraformPlan;
}
