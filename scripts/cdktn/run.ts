/**
 * `npm run cdktn`: the project on cdktn (CDK Terrain), the community continuation of the archived
 * cdktf, proven beside the cdktf build. In a temporary copy of the tracked files it renames the
 * dependencies and imports (rename.ts), installs from cdktn/package-lock.json, type-checks,
 * synthesizes every stack with the cdktn CLI and runs the infrastructure tests; then it compares
 * each stack's Terraform JSON with the cdktf build's, writes docs/cdktn-plan-difference.md and fails
 * on any difference explained-differences.ts does not list. Needs Node >= 22.19 (cdktn-cli).
 *
 *   npm run cdktn                   # prove it (CI)
 *   npm run cdktn -- --update-lock  # resolve cdktn/package-lock.json again, after a dependency change
 *   npm run cdktn -- --in-place     # migrate for real: the same rename on this clean checkout, nothing else
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as prettier from "prettier";
import { PackageJson, renameImports, renamePackageJson, unmappableImports } from "./rename";
import { planDifferences, unexplained } from "./plan-difference";
import { EXPLAINED_DIFFERENCES } from "./explained-differences";
import { renderReport, StackComparison } from "./difference-report";
import { hclRisks } from "./hcl-risks";

const ROOT = path.resolve(__dirname, "..", "..");
const LOCK = path.join(ROOT, "cdktn", "package-lock.json");
const REPORT = path.join(ROOT, "docs", "cdktn-plan-difference.md");
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
// The HCL snapshots hold the cdktf build's provider source; the cdktn build is compared as a plan instead.
const INFRASTRUCTURE_TESTS = ["__tests__/stacks", "__tests__/local/plan", "-t", "^(?!.*matches its snapshot)"];

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  const started = Date.now();
  const result = spawnSync(command, args, { cwd, env, stdio: "inherit" });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status})`);
  console.log(`== ${path.basename(command)} ${args.join(" ")}: ${Math.round((Date.now() - started) / 1000)} s`);
}

function trackedFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "-z"], { cwd: ROOT, encoding: "utf8" }).split("\0");
  return listed.filter((file) => file && fs.existsSync(path.join(ROOT, file)));
}

/** Refuses before anything is copied when a source imports what the rename cannot map. */
function refuseUnmappable(files: string[]): void {
  const found = files
    .filter((file) => SOURCE.test(file))
    .flatMap((file) =>
      unmappableImports(fs.readFileSync(path.join(ROOT, file), "utf8")).map((module) => `${file}: ${module}`),
    );
  if (found.length > 0) {
    throw new Error(
      `these imports have no mechanical cdktn name (import cdktf's public API and the provider by deep path):\n  ${found.join("\n  ")}`,
    );
  }
}

/** The cdktn variant of the project in `copy`: same files, dependencies and imports renamed. */
function writeVariant(files: string[], copy: string, updateLock: boolean): void {
  for (const file of files) {
    const target = path.join(copy, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const text = fs.readFileSync(path.join(ROOT, file));
    fs.writeFileSync(target, SOURCE.test(file) ? renameImports(text.toString("utf8")) : text);
  }
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as PackageJson;
  fs.writeFileSync(path.join(copy, "package.json"), `${JSON.stringify(renamePackageJson(pkg), null, 2)}\n`);
  fs.rmSync(path.join(copy, "package-lock.json"));
  if (!updateLock) fs.copyFileSync(LOCK, path.join(copy, "package-lock.json"));
}

interface Manifest {
  stacks: Record<string, { synthesizedStackPath: string }>;
}

/** What the report reads of a stack's Terraform JSON besides comparing it whole. */
interface Plan {
  terraform: { required_providers: { aws: { version: string } } };
}

function readPlans(outdir: string): Map<string, Plan> {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")) as Manifest;
  return new Map(
    Object.entries(manifest.stacks).map(([name, stack]) => [
      name,
      JSON.parse(fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), "utf8")) as Plan,
    ]),
  );
}

/**
 * Writes the report; fails on an unexplained or stale difference, a stack only one build has, or
 * what cdktn's HCL renderer would get wrong (hcl-risks.ts).
 */
async function compare(cdktfOut: string, cdktnOut: string): Promise<void> {
  const before = readPlans(cdktfOut);
  const after = readPlans(cdktnOut);
  const names = [...before.keys()].sort().join(", ");
  const cdktnNames = [...after.keys()].sort().join(", ");
  if (names !== cdktnNames) throw new Error(`the builds synthesize different stacks: ${names} / ${cdktnNames}`);
  const risks = [...after].flatMap(([stack, plan]) => hclRisks(plan).map((risk) => `${stack}: ${risk}`));
  if (risks.length > 0)
    throw new Error(`cdktn's HCL output would corrupt or drop (cdk-terrain#313):\n  ${risks.join("\n  ")}`);
  const stacks: StackComparison[] = [...before.keys()].sort().map((stack) => {
    const [cdktf, cdktn] = [before.get(stack)!, after.get(stack)!];
    return {
      stack,
      providerVersions: {
        cdktf: cdktf.terraform.required_providers.aws.version,
        cdktn: cdktn.terraform.required_providers.aws.version,
      },
      differences: planDifferences(stack, cdktf, cdktn),
    };
  });
  const report = await prettier.format(renderReport(stacks, EXPLAINED_DIFFERENCES), {
    ...(await prettier.resolveConfig(REPORT)),
    parser: "markdown",
  });
  const previous = fs.existsSync(REPORT) ? fs.readFileSync(REPORT, "utf8") : "";
  fs.writeFileSync(REPORT, report);
  const missing = unexplained(
    stacks.flatMap((s) => s.differences),
    EXPLAINED_DIFFERENCES,
  );
  for (const d of missing.differences)
    console.error(`not explained: ${d.stack} ${d.path}: ${d.cdktf ?? "(absent)"} → ${d.cdktn ?? "(absent)"}`);
  for (const e of missing.stale) console.error(`explained but no longer different: ${e.path}`);
  if (missing.differences.length + missing.stale.length > 0)
    throw new Error("the plan difference is not fully explained: see scripts/cdktn/explained-differences.ts");
  if (report !== previous) throw new Error(`${path.relative(ROOT, REPORT)} changed: review it and commit it`);
  console.log(`== plan difference: ${path.relative(ROOT, REPORT)} is current, every difference explained`);
}

/** The migration itself, on a checkout with nothing uncommitted, so that it is one reviewable diff. */
function migrateInPlace(files: string[]): void {
  const changed = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (changed.trim() !== "")
    throw new Error("commit or stash your changes first: the migration must be a diff of its own");
  writeVariant(files, ROOT, false);
  console.log('== renamed to cdktn: run npm ci, then follow docs/migration-cdktn.md, "The migration, for real"');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const [option, ...rest] = args;
  if (rest.length > 0 || (option !== undefined && option !== "--update-lock" && option !== "--in-place"))
    throw new Error("usage: npm run cdktn [-- --update-lock | --in-place]");
  const files = trackedFiles();
  refuseUnmappable(files);
  if (option === "--in-place") return migrateInPlace(files);

  const updateLock = option === "--update-lock";
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 22 || (major === 22 && minor < 19))
    throw new Error(`cdktn-cli needs Node >= 22.19; this is Node ${process.versions.node}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "order-fanout-cdktn-"));
  const copy = path.join(work, "project");
  try {
    writeVariant(files, copy, updateLock);
    try {
      run("npm", [updateLock ? "install" : "ci", "--no-audit", "--no-fund"], copy);
    } catch (error) {
      // npm ci refuses a lockfile that no longer matches package.json's dependencies.
      const hint = updateLock ? "" : "; after a change to package.json's dependencies: npm run cdktn -- --update-lock";
      throw new Error(`${(error as Error).message}${hint}`, { cause: error });
    }
    if (updateLock) fs.copyFileSync(path.join(copy, "package-lock.json"), LOCK);
    // Both builds package the same bundles (the rename touches no function code): the project's own
    // dist/, built here only when a build before this one (CI's test:lambda-node) has not.
    const dist = path.join(ROOT, "dist");
    if (!fs.existsSync(dist)) run("npm", ["run", "build", "--silent"], ROOT);
    const env = { ...process.env, CHECKPOINT_DISABLE: "1", ORDER_FANOUT_DIST: dist };
    run(path.join(copy, "node_modules", ".bin", "tsc"), ["--noEmit"], copy);
    const cdktnOut = path.join(work, "cdktn.out");
    run(path.join(copy, "node_modules", ".bin", "cdktn"), ["synth", "--output", cdktnOut], copy, env);
    // The cdktf build, from the sources as they are, run as `cdktf synth` runs the app (cdktf.json).
    const cdktfOut = path.join(work, "cdktf.out");
    run(process.execPath, ["--import", "tsx", "main.ts"], ROOT, { ...env, CDKTF_OUTDIR: cdktfOut });
    await compare(cdktfOut, cdktnOut);
    run(
      path.join(copy, "node_modules", ".bin", "jest"),
      ["--selectProjects", "unit", "--ci", ...INFRASTRUCTURE_TESTS],
      copy,
      env,
    );
    console.log("== the cdktn build synthesizes every stack and passes the infrastructure tests");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  () => undefined,
  (error) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
