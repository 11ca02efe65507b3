import * as path from "node:path";

/**
 * Where `npm run build` writes each function's bundle (dist/<name>/index.js) and deployment package
 * (dist/<name>.zip), and where the stacks, the local runtime and the benchmarks read them.
 * ORDER_FANOUT_DIST moves it, so a test can build and synthesize without touching dist/.
 */
export const DIST = path.resolve(process.env.ORDER_FANOUT_DIST ?? path.join(__dirname, "..", "dist"));

export const deploymentPackage = (name: string, root = DIST): string => path.join(root, `${name}.zip`);
