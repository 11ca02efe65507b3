import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { configureProviderAndState } from "./aws-provider";
import { SecureBucket } from "./constructs/secure-bucket";
import { PolicyStatement } from "./constructs/policy";
import { localStatePath, StateAccessRole } from "./environments";

export interface StateBootstrapProps {
  /** The state bucket's name: 3 to 63 lower-case letters, digits, hyphens and dots, globally unique. */
  readonly bucket: string;
  /** The region the bucket is in. */
  readonly region: string;
  /** Roles of other accounts that keep their environment's state here. @default none */
  readonly accessRoles?: StateAccessRole[];
  /** Tags every resource gets (the provider's default tags). */
  readonly tags: Record<string, string>;
}

/**
 * What Terraform's S3 backend does with one state key and its lock file, and nothing else; a
 * read-only (plan) role only lists and reads.
 */
function stateAccess(bucketArn: string, role: StateAccessRole, index: number): PolicyStatement[] {
  const principals = { AWS: [role.roleArn] };
  return [
    {
      sid: `ListOwnState${index}`,
      principals,
      actions: ["s3:ListBucket"],
      resources: [bucketArn],
      conditions: { StringLike: { "s3:prefix": [`${role.keyPrefix}*`] } },
    },
    {
      sid: `${role.readOnly ? "ReadOwnState" : "KeepOwnState"}${index}`,
      principals,
      actions: role.readOnly ? ["s3:GetObject"] : ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      resources: [`${bucketArn}/${role.keyPrefix}*`],
    },
  ];
}

/**
 * The S3 bucket that holds every environment's Terraform state. Applied once, by hand, with local
 * state (a bucket cannot hold the state that creates it); keep its terraform.state-bootstrap.tfstate (in the project's root) safe.
 */
export class StateBootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: StateBootstrapProps) {
    super(scope, id);
    configureProviderAndState(this, {
      region: props.region,
      allowedAccountIds: [],
      tags: props.tags,
      state: { kind: "local", path: localStatePath("state-bootstrap") },
    });
    const state = new SecureBucket(this, "state", {
      bucketName: props.bucket,
      noncurrentVersionDays: 90,
      preventDestroy: true,
      policyStatements: (bucketArn) =>
        (props.accessRoles ?? []).flatMap((role, index) => stateAccess(bucketArn, role, index)),
    });
    new TerraformOutput(this, "state_bucket", { value: state.name });
  }
}
