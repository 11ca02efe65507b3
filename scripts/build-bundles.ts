/**
 * Bundles every function under lambda-src/ (one folder each, entry index.ts) into dist/<name>/index.js
 * with esbuild, packs each folder into dist/<name>.zip (the deployment package), and prints each
 * bundle's size. The AWS SDK v3 stays out: the Lambda runtime (LAMBDA_RUNTIME) has it.
 */
import { build } from "esbuild";
import { zipSync } from "fflate";
import * as fs from "node:fs";
import * as path from "node:path";
import { DIST, deploymentPackage, LAMBDA_NODE_MAJOR } from "../stacks/bundles";

const ROOT = path.resolve(__dirname, "..");
const SOURCE = path.join(ROOT, "lambda-src");
/** Shared code, not a function. */
const NOT_FUNCTIONS = new Set(["shared"]);

function functionNames(): string[] {
  return fs
    .readdirSync(SOURCE, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !NOT_FUNCTIONS.has(entry.name))
    .filter((entry) => fs.existsSync(path.join(SOURCE, entry.name, "index.ts")))
    .map((entry) => entry.name)
    .sort();
}

/**
 * Builds every bundle and its deployment package into `out` (dist/ unless a test builds elsewhere);
 * answers each bundle's size in bytes.
 */
export async function buildBundles(out = DIST): Promise<Record<string, number>> {
  fs.rmSync(out, { recursive: true, force: true });
  const names = functionNames();
  await Promise.all(
    names.map((name) =>
      build({
        entryPoints: [path.join(SOURCE, name, "index.ts")],
        outfile: path.join(out, name, "index.js"),
        bundle: true,
        platform: "node",
        target: `node${LAMBDA_NODE_MAJOR}`,
        format: "cjs",
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        external: ["@aws-sdk/*", "@smithy/*"],
        logLevel: "warning",
      }),
    ),
  );
  for (const name of names) writeDeploymentPackage(out, name);
  return Object.fromEntries(names.map((name) => [name, fs.statSync(path.join(out, name, "index.js")).size]));
}

export function printSizes(sizes: Record<string, number>): void {
  for (const [name, bytes] of Object.entries(sizes))
    console.log(`dist/${name}/index.js  ${(bytes / 1024).toFixed(1)} KB`);
}

/** A fixed timestamp: the same code always zips to the same bytes, so its hash changes only with the code. */
const ZIP_TIME = new Date("1980-01-01T00:00:00Z");

/**
 * dist/<name>.zip from dist/<name>/, byte-for-byte reproducible. Zipping here, once, instead of
 * letting cdktf archive the folder for every stack (one child process per function per stack)
 * takes about 3.5 s off every synth.
 */
function writeDeploymentPackage(out: string, name: string): void {
  const folder = path.join(out, name);
  const files = fs.readdirSync(folder).sort();
  const entries = Object.fromEntries(
    files.map((file) => [file, [fs.readFileSync(path.join(folder, file)), { mtime: ZIP_TIME, level: 9 }] as const]),
  );
  fs.writeFileSync(deploymentPackage(name, out), zipSync(entries as never));
}

if (require.main === module) {
  buildBundles().then(printSizes, (error) => {
    console.error(error);
    process.exit(1);
  });
}
