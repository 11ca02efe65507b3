/**
 * Synth time and memory: the whole `npm run synth` (clean, bundle, cdktf synth --hcl, all stacks),
 * a JSON-only `cdktf synth`, and the app alone (`tsx main.ts`, what cdktf runs) with the provider
 * imported by deep path as committed, and from the package root in a throwaway copy generated here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { figure, Figure, repeat, timed } from "./measure";
import { DIST } from "../stacks/bundles";

const ROOT = path.resolve(__dirname, "..");
const NPX = "npx";

const PROVIDER_PACKAGE = "@cdktf/provider-aws";

/**
 * Copies main.ts, stacks/ and the shared runtime lists they import into bench/.root-import/
 * (gitignored, deleted after the measurement), rewriting each deep provider import into one from
 * the package root: the variant the import rule forbids, generated only to measure what the rule
 * saves. It reads the real bundles through ORDER_FANOUT_DIST.
 */
export function rootImportVariant(): string {
  const target = path.join(ROOT, "bench", ".root-import");
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, "stacks"), path.join(target, "stacks"), { recursive: true });
  fs.cpSync(path.join(ROOT, "lambda-src", "shared"), path.join(target, "lambda-src", "shared"), { recursive: true });
  fs.copyFileSync(path.join(ROOT, "main.ts"), path.join(target, "main.ts"));
  const rewrite = (file: string) => {
    const text = fs
      .readFileSync(file, "utf8")
      .replace(
        /import \{ ([^}]+) \} from "@cdktf\/provider-aws\/lib\/([a-z0-9-]+)";/g,
        (_all, names: string, module: string) => {
          const namespace = module.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
          return `import { ${namespace} } from "${PROVIDER_PACKAGE}";\nconst { ${names} } = ${namespace};`;
        },
      );
    fs.writeFileSync(file, text);
  };
  const walk = (dir: string) =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .forEach((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : rewrite(path.join(dir, e.name))));
  walk(path.join(target, "stacks"));
  rewrite(path.join(target, "main.ts"));
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
  const variant = rootImportVariant();
  await measure("app alone, package-root imports", NPX, ["tsx", path.join(variant, "main.ts")], {
    CDKTF_OUTDIR: outdir,
    ORDER_FANOUT_DIST: DIST,
  });
  fs.rmSync(variant, { recursive: true, force: true });
  fs.rmSync(outdir, { recursive: true, force: true });
  return results;
}
