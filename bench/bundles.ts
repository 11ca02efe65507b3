/** Size of each function bundle, and its cold initialisation: a fresh Node process requiring it. */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { figure, Figure } from "./measure";
import { DIST } from "../stacks/bundles";

/** Environment a handler needs to load; names only, nothing is called. */
const ENVIRONMENT = {
  AWS_REGION: "us-east-1",
  ORDERS_TABLE: "orders",
  PRODUCTS_TABLE: "products",
  IDEMPOTENCY_TABLE: "idempotency",
  TOPIC_ARN: "arn:aws:sns:us-east-1:000000000000:t.fifo",
  DOCUMENTS_BUCKET: "documents",
  EMAIL_TRANSPORT: "ses",
  CONFIGURATION_SET: "order-fanout",
  POWERTOOLS_METRICS_NAMESPACE: "order-fanout/bench",
  SENDER_EMAIL: "orders@example.com",
  REVIEW_THRESHOLDS: JSON.stringify({ EUR: 100_000, USD: 110_000, GBP: 85_000 }),
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

/** The AWS SDK packages the bundles leave to the Lambda runtime. */
const SDK = ["client-dynamodb", "lib-dynamodb", "util-dynamodb", "client-sns", "client-s3", "client-sesv2"].map(
  (p) => `@aws-sdk/${p}`,
);

/**
 * Milliseconds from the start of `require(bundle)` to its end, module-level code included, in a
 * fresh Node process. With `sdkLoaded`, the SDK packages are required first (not timed): what is
 * left is the bundle's own code.
 */
function coldInitMs(bundle: string, sdkLoaded = false): number {
  const preload = sdkLoaded ? SDK.map((p) => `require(${JSON.stringify(p)});`).join("") : "";
  const script = `${preload}const t=process.hrtime.bigint();require(${JSON.stringify(bundle)});console.log(Number(process.hrtime.bigint()-t)/1e6)`;
  return Number(
    execFileSync(process.execPath, ["-e", script], { cwd: DIST, env: { ...process.env, ...ENVIRONMENT } })
      .toString()
      .trim(),
  );
}

export function measureBundles(runs: number, warmUp: boolean): Record<string, Figure> {
  const results: Record<string, Figure> = {};
  for (const name of fs
    .readdirSync(DIST)
    .filter((n) => !n.endsWith(".zip"))
    .sort()) {
    const bundle = path.join(DIST, name, "index.js");
    results[`${name} bundle size (KB)`] = figure("KB", [fs.statSync(bundle).size / 1024]);
    if (warmUp) coldInitMs(bundle); // the OS file cache
    results[`${name} cold init (ms)`] = figure(
      "ms",
      Array.from({ length: runs }, () => coldInitMs(bundle)),
    );
    results[`${name} cold init, own code with the SDK loaded (ms)`] = figure(
      "ms",
      Array.from({ length: runs }, () => coldInitMs(bundle, true)),
    );
  }
  return results;
}
