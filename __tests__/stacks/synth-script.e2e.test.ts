/**
 * `npm run synth` writes its HCL without the cdktf CLI (to save its start-up); this proves the
 * result is byte for byte what `cdktf synth --hcl` writes. Both build and read their bundles in a
 * folder of their own (ORDER_FANOUT_DIST), so suites reading dist/ can run alongside.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..", "..");

function hclFiles(outdir: string): Record<string, string> {
  const stacks = path.join(outdir, "stacks");
  return Object.fromEntries(
    fs.readdirSync(stacks).map((stack) => [stack, fs.readFileSync(path.join(stacks, stack, "cdk.tf"), "utf8")]),
  );
}

it("writes the same cdk.tf for every stack as cdktf synth --hcl", () => {
  const ours = fs.mkdtempSync(path.join(os.tmpdir(), "synth-ours-"));
  const cli = fs.mkdtempSync(path.join(os.tmpdir(), "synth-cli-"));
  const dist = fs.mkdtempSync(path.join(os.tmpdir(), "synth-dist-"));
  const env = { ...process.env, CHECKPOINT_DISABLE: "1", ORDER_FANOUT_DIST: dist };
  execFileSync(path.join(ROOT, "node_modules", ".bin", "tsx"), ["scripts/synth.ts"], {
    cwd: ROOT,
    env: { ...env, CDKTF_OUTDIR: ours },
    stdio: "pipe",
  });
  execFileSync(path.join(ROOT, "node_modules", ".bin", "cdktf"), ["synth", "--hcl", "--output", cli], {
    cwd: ROOT,
    env,
    stdio: "pipe",
  });
  const expected = hclFiles(cli);
  expect(Object.keys(expected).sort()).toEqual([
    "order-fanout-dev",
    "order-fanout-local",
    "order-fanout-prod",
    "order-fanout-staging",
    "state-bootstrap",
  ]);
  expect(hclFiles(ours)).toEqual(expected);
}, 120_000);
