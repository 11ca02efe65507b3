/**
 * `npm run synth`: cleans cdktf.out (a stale cdk.tf.json beside cdk.tf would be read by terraform
 * too), builds the bundles, runs the app with SYNTH_HCL_OUTPUT=true and formats each stack's cdk.tf
 * with cdktf's own formatter. That is what `cdktf synth --hcl` does, byte for byte, without the
 * CLI's 2.5 s of start-up, version checks and telemetry: synth is part of every change's inner loop.
 * Extra arguments are refused: for anything else, run `npx cdktf synth --hcl` itself.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { format } from "@cdktf/hcl-tools";
import { buildBundles, printSizes } from "./build-bundles";

const ROOT = path.resolve(__dirname, "..");
/** cdktf.out, or CDKTF_OUTDIR as the cdktf CLI honours it. */
const OUT = path.resolve(ROOT, process.env.CDKTF_OUTDIR ?? "cdktf.out");

async function main(): Promise<number> {
  if (process.argv.length > 2)
    throw new Error(`npm run synth takes no arguments; use npx cdktf synth --hcl ${process.argv.slice(2).join(" ")}`);
  fs.rmSync(OUT, { recursive: true, force: true });
  printSizes(await buildBundles());
  const app = spawnSync(process.execPath, ["--import", "tsx", "main.ts"], {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, CDKTF_OUTDIR: OUT, SYNTH_HCL_OUTPUT: "true" },
  });
  if (app.status !== 0) return app.status ?? 1;
  const manifest = JSON.parse(fs.readFileSync(path.join(OUT, "manifest.json"), "utf8")) as {
    stacks: Record<string, { synthesizedStackPath: string }>;
  };
  for (const [name, stack] of Object.entries(manifest.stacks)) {
    const file = path.join(OUT, stack.synthesizedStackPath);
    fs.writeFileSync(file, await format(fs.readFileSync(file, "utf8")));
    console.log(`${name}: ${path.relative(ROOT, file)}`);
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
