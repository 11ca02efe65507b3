/**
 * Synth time and memory: the whole `npm run synth` (clean, bundle, cdktf synth --hcl, all stacks),
 * a JSON-only `cdktf synth`, and the app alone (`tsx main.ts`, what cdktf runs) with the provider
 * imported by deep path as committed, and from the package root in a throwaway copy generated here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { figure, Figure, repeat, timed } from "./measure";
import { DIST } from "../stacks/bundles";

const ROOT = path.resolve(__dirname, "..");
const NPX = "npx";

const PROVIDER_PACKAGE = "@cdktf/provider-aws";

/**
 * The project's own files the app loads: main.ts and everything it imports, as esbuild resolves
 * them (packages left out). Taken from the import graph, so a folder the stacks start to import
 * is in the variant without anyone listing it.
 */
async function appSources(): Promise<string[]> {
  const { metafile } = await esbuild.build({
    entryPoints: [path.join(ROOT, "main.ts")],
    absWorkingDir: ROOT,
    bundle: true,
    packages: "external",
    platform: "node",
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  return Object.keys(metafile.inputs);
}

/** Each deep provider import of a file, rewritten into one from the package root. */
function fromPackageRoot(text: string): string {
  return text.replace(
    /import \{ ([^}]+) \} from "@cdktf\/provider-aws\/lib\/([a-z0-9-]+)";/g,
    (_all, names: string, module: string) => {
      const namespace = module.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
      return `import { ${namespace} } from "${PROVIDER_PACKAGE}";\nconst { ${names} } = ${namespace};`;
    },
  );
}

/**
 * The app's sources copied into bench/.root-import/ (gitignored, deleted after the measurement)
 * with every deep provider import rewritten to the package root: the variant the import rule
 * forbids, generated only to measure what the rule saves. It reads the real bundles through
 * ORDER_FANOUT_DIST.
 */
export async function rootImportVariant(): Promise<string> {
  const target = path.join(ROOT, "bench", ".root-import");
  fs.rmSync(target, { recursive: true, force: true });
  for (const source of await appSources()) {
    const copy = path.join(target, source);
    fs.mkdirSync(path.dirname(copy), { recursive: true });
    const text = fs.readFileSync(path.join(ROOT, source), "utf8");
    const written = source.endsWith(".ts") ? fromPackageRoot(text) : text;
    // An import form the rewrite does not know (aliased, split differently) would measure nothing.
    if (written.includes(`${PROVIDER_PACKAGE}/lib/`))
      throw new Error(`${source}: a deep provider import the root-import variant cannot rewrite`);
    fs.writeFileSync(copy, written);
  }
  return target;
}

export async function measureSynth(runs: number, warmUp: boolean): Promise<Record<string, Figure>> {
  const env = { ...process.env, CHECKPOINT_DISABLE: "1" };
  const results: Record<string, Figure> = {};
  const measure = async (name: string, command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const measured = await repeat(runs, () => timed(command, args, { ...env, ...extraEnv }), warmUp);
    results[`${name} (s)`] = figure(
      "s",
      measured.map((s) => s.seconds),
    );
    results[`${name} peak memory (MB)`] = figure(
      "MB",
      measured.map((s) => s.peakMb),
    );
  };
  await measure("npm run synth: all stacks, HCL", "npm", ["run", "synth", "--silent"]);
  await measure("cdktf synth: all stacks, JSON", NPX, ["cdktf", "synth"]);
  const outdir = path.join(ROOT, "bench", ".synth-out");
  await measure("app alone, deep imports", NPX, ["tsx", "main.ts"], { CDKTF_OUTDIR: outdir });
  const variant = await rootImportVariant();
  await measure("app alone, package-root imports", NPX, ["tsx", path.join(variant, "main.ts")], {
    CDKTF_OUTDIR: outdir,
    ORDER_FANOUT_DIST: DIST,
  });
  fs.rmSync(variant, { recursive: true, force: true });
  fs.rmSync(outdir, { recursive: true, force: true });
  return results;
}
