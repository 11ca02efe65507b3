import { Construct } from "constructs";
import * as fs from "node:fs";
import { AssetType, Lazy, TerraformAsset } from "cdktf";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { Grantee, PolicyStatement, policyDocument } from "./policy";
import { deploymentPackage, LAMBDA_RUNTIME } from "../bundles";

/**
 * A function's settings, declared once: BundledFunction takes them, and so does every construct
 * that wraps one (QueueConsumer, OutboxRelay, OutboxSweep), as one object.
 */
export interface FunctionSettings {
  /**
   * The function's name, 1 to 64 letters, digits, hyphens and underscores; it also names the
   * role (`<name>-role`, so at most 59 characters in practice) and the log group (`/aws/lambda/<name>`).
   */
  readonly functionName: string;
  /** Name of the deployment package dist/<bundle>.zip, built by `npm run build` from lambda-src/<bundle>. */
  readonly bundle: string;
  /** Where the deployment packages are. @default dist/ (stacks/bundles.ts) */
  readonly bundleRoot?: string;
  /** Memory in MB, 128 to 10,240 (Lambda's range); CPU grows with it. */
  readonly memoryMb: number;
  /** Seconds an invocation may run, 1 to 900 (Lambda's range). */
  readonly timeoutSeconds: number;
  /** Days the log group keeps logs: one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, …). */
  readonly logRetentionDays: number;
  /** Environment variables, beside the `NODE_OPTIONS=--enable-source-maps` every function gets. */
  readonly environment: Record<string, string>;
  /**
   * Concurrency set aside for this function alone (and its ceiling), 0 to the account's
   * unreserved concurrency. @default none: the account's shared pool
   */
  readonly reservedConcurrency?: number;
}

/**
 * A Lambda function (LAMBDA_RUNTIME, arm64, X-Ray active) from an esbuild bundle's deployment package
 * (a reproducible zip, so its hash changes only when the code does), with its own log group
 * and a role that grants its logs, its traces and what resources grant it
 * (`addToRolePolicy`), nothing else.
 */
export class BundledFunction extends Construct implements Grantee {
  readonly fn: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly timeoutSeconds: number;
  readonly functionName: string;
  /** Statements resources granted, in the order granted; the role policy lists them last. */
  private readonly granted: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: FunctionSettings) {
    super(scope, id);
    const packagePath = deploymentPackage(props.bundle, props.bundleRoot);
    if (!fs.existsSync(packagePath)) {
      throw new Error(`function "${props.functionName}": bundle ${packagePath} not found; run \`npm run build\` first`);
    }
    this.functionName = props.functionName;
    this.timeoutSeconds = props.timeoutSeconds;
    const asset = new TerraformAsset(this, "bundle", { path: packagePath, type: AssetType.FILE });

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: `/aws/lambda/${props.functionName}`,
      retentionInDays: props.logRetentionDays,
    });
    this.role = new IamRole(this, "role", {
      name: `${props.functionName}-role`,
      assumeRolePolicy: policyDocument([
        { principals: { Service: ["lambda.amazonaws.com"] }, actions: ["sts:AssumeRole"] },
      ]),
    });
    const rolePolicy = new IamRolePolicy(this, "policy", {
      role: this.role.id,
      name: "function",
      // Lazy: resources grant after the function exists (`table.grant(fn, …)`).
      policy: Lazy.stringValue({
        produce: () =>
          policyDocument([
            {
              sid: "OwnLogGroup",
              actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
              resources: [`${this.logGroup.arn}:*`],
            },
            // X-Ray has no resource-level permissions: "*" is the only resource it accepts.
            { sid: "Tracing", actions: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources: ["*"] },
            ...this.granted,
          ]),
      }),
    });
    this.fn = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      role: this.role.arn,
      runtime: LAMBDA_RUNTIME,
      architectures: ["arm64"],
      handler: "index.handler",
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      memorySize: props.memoryMb,
      timeout: props.timeoutSeconds,
      ...(props.reservedConcurrency !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      tracingConfig: { mode: "Active" },
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name },
      environment: { variables: { NODE_OPTIONS: "--enable-source-maps", ...props.environment } },
      dependsOn: [this.logGroup, rolePolicy],
    });
  }

  addToRolePolicy(statement: PolicyStatement): void {
    this.granted.push(statement);
  }
}
