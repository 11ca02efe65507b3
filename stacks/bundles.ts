import * as path from "node:path";

/**
 * Where `npm run build` writes each function's bundle (dist/<name>/index.js) and deployment package
 * (dist/<name>.zip), and where the stacks, the local runtime and the benchmarks read them.
 * ORDER_FANOUT_DIST moves it, so a test can build and synthesize without touching dist/.
 */
export const DIST = path.resolve(process.env.ORDER_FANOUT_DIST ?? path.join(__dirname, "..", "dist"));

/**
 * The Lambda runtime every function runs on, and the Node major the bundles target. nodejs24.x is
 * the newest the whole chain accepts: Lambda has offered it since November 2025 (with the AWS SDK
 * v3 the bundles leave out), the AWS provider validates runtimes against the SDK's list and takes
 * nodejs24.x from 6.19 (hashicorp/terraform-provider-aws#44986; this project pins 6.25), and
 * Powertools for AWS Lambda (TypeScript) supports Node 24 from 2.29 (aws-powertools/
 * powertools-lambda-typescript#4780; this project pins 2.35). CI runs the whole test suite under
 * this Node major as well (.ci/run).
 */
export const LAMBDA_RUNTIME = "nodejs24.x";
export const LAMBDA_NODE_MAJOR = 24;

export const deploymentPackage = (name: string, root = DIST): string => path.join(root, `${name}.zip`);
