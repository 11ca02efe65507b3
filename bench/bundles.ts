/** Size of each function bundle, and its cold initialisation: a fresh Node process requiring it. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { figure, Figure } from "./measure";
import { DIST } from "../stacks/bundles";
import { synthLocalPlan } from "../local/plan/synth-plan";
import { loadPlan } from "../local/plan/plan";
import { bundlesByHash } from "../local/runtime/function-host";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "../contract/local-endpoints";

/** The SDK's notice that it will need Node 22 says nothing about a bundle's start. */
const QUIET = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" };

/**
 * Each function of the synthesized local stack with the bundle its plan names and the environment
 * the plan gives it (plus the region Lambda sets): what the local runtime starts it with, so a
 * variable a handler gains is there without anyone listing it here.
 */
function plannedFunctions(): { name: string; bundle: string; environment: Record<string, string> }[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "order-fanout-bench-plan-"));
  try {
    const model = loadPlan(synthLocalPlan(outdir), {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT,
      sqsEndpoint: "http://localhost:4566",
      apiEndpoint: "http://localhost:3000",
    });
    const bundles = bundlesByHash(DIST);
    return model.functions.map((fn) => {
      const bundleDir = bundles.get(fn.bundleHash);
      if (!bundleDir) throw new Error(`${fn.name}: no bundle in ${DIST} has the plan's hash; run \`npm run build\``);
      const bundle = path.join(bundleDir, `${fn.handler.split(".")[0]}.js`);
      return { name: path.basename(bundleDir), bundle, environment: { AWS_REGION: LOCAL_REGION, ...fn.environment } };
    });
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The AWS SDK packages the bundles leave to the Lambda runtime. */
const SDK = ["client-dynamodb", "lib-dynamodb", "util-dynamodb", "client-sns", "client-s3", "client-sesv2"].map(
  (p) => `@aws-sdk/${p}`,
);

/**
 * Milliseconds from the start of `require(bundle)` to its end, module-level code included, in a
 * fresh Node process. With `sdkLoaded`, the SDK packages are required first (not timed): what is
 * left is the bundle's own code.
 */
function coldInitMs(bundle: string, environment: Record<string, string>, sdkLoaded = false): number {
  const preload = sdkLoaded ? SDK.map((p) => `require(${JSON.stringify(p)});`).join("") : "";
  const script = `${preload}const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
  return Number(
    execFileSync(process.execPath, ["-e", script], { cwd: DIST, env: { ...process.env, ...QUIET, ...environment } })
      .toString()
      .trim(),
  );
}

export function measureBundles(runs: number, warmUp: boolean): Record<string, Figure> {
  const results: Record<string, Figure> = {};
  for (const { name, bundle, environment } of plannedFunctions().sort((a, b) => a.name.localeCompare(b.name))) {
    results[`${name} bundle size (KB)`] = figure("KB", [fs.statSync(bundle).size / 1024]);
    if (warmUp) coldInitMs(bundle, environment); // the OS file cache
    results[`${name} cold init (ms)`] = figure(
      "ms",
      Array.from({ length: runs }, () => coldInitMs(bundle, environment)),
    );
    results[`${name} cold init, own code with the SDK loaded (ms)`] = figure(
      "ms",
      Array.from({ length: runs }, () => coldInitMs(bundle, environment, true)),
    );
  }
  return results;
}
