/**
 * Bundles every function under lambda-src/ (one folder each, entry index.ts) into dist/<name>/index.js
 * with esbuild, and prints each bundle's size. The AWS SDK v3 stays out: the nodejs22.x runtime has it.
 */
import { build } from "esbuild";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const SOURCE = path.join(ROOT, "lambda-src");
const OUT = path.join(ROOT, "dist");
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

async function main(): Promise<void> {
  fs.rmSync(OUT, { recursive: true, force: true });
  const names = functionNames();
  await Promise.all(
    names.map((name) =>
      build({
        entryPoints: [path.join(SOURCE, name, "index.ts")],
        outfile: path.join(OUT, name, "index.js"),
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        minify: true,
        sourcemap: true,
        sourcesContent: false,
        external: ["@aws-sdk/*", "@smithy/*"],
        logLevel: "warning",
      }),
    ),
  );
  for (const name of names) {
    const bytes = fs.statSync(path.join(OUT, name, "index.js")).size;
    console.log(`dist/${name}/index.js  ${(bytes / 1024).toFixed(1)} KB`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
