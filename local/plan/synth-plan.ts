import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import { EnvironmentSettings, environmentSettings } from "../../stacks/environments";
import { FanoutStack } from "../../stacks/fanout-stack";

export const LOCAL_STACK = "order-fanout-local";

/** Terraform JSON as `cdktf synth` writes it to cdk.tf.json. */
export interface TerraformPlan {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown }>;
  [block: string]: unknown;
}

/** Settings of the local stack a run may replace. */
export interface LocalOverrides {
  /** The function timeout; through the stack, every queue's visibility timeout follows at 6×. */
  functionTimeoutSeconds?: number;
  /** Receives before a message moves to its queue's dead-letter queue. */
  maxReceiveCount?: number;
}

/**
 * Synthesizes the `order-fanout-local` stack, exactly as `cdktf synth` would, into `outdir` and
 * returns its cdk.tf.json. In process: the CLI adds seconds and nothing the runtime needs.
 * `overrides` replace settings of the local stack; the end-to-end tests use them to wait out
 * retries and redrive sooner, by the same mechanisms. `bundleRoot` holds the deployment packages
 * (default dist/, which `npm run build` writes).
 */
export function synthLocalPlan(outdir: string, overrides: LocalOverrides = {}, bundleRoot?: string): TerraformPlan {
  const local = environmentSettings("local", {});
  const settings: EnvironmentSettings = {
    ...local,
    lambda: { ...local.lambda, timeoutSeconds: overrides.functionTimeoutSeconds ?? local.lambda.timeoutSeconds },
    maxReceiveCount: overrides.maxReceiveCount ?? local.maxReceiveCount,
  };
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir });
  new FanoutStack(app, LOCAL_STACK, { settings, bundleRoot });
  app.synth();
  return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", LOCAL_STACK, "cdk.tf.json"), "utf8")) as TerraformPlan;
}
