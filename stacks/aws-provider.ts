import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { StateSettings } from "./environments";

export interface ProviderAndStateProps {
  /** The region the provider acts in. */
  readonly region: string;
  /** The accounts the provider may act on; empty: not pinned (the state bootstrap, the local stack). */
  readonly allowedAccountIds: string[];
  /** Tags every resource gets (the provider's default tags). */
  readonly tags: Record<string, string>;
  /** Where the stack keeps its state: an S3 key (encrypted, locked by a lock file) or a local file. */
  readonly state: StateSettings;
  /** Role the provider and the S3 backend assume, e.g. in a workload account. @default none */
  readonly roleArn?: string;
}

/**
 * The AWS provider (pinned to the allowed accounts, tagging every resource) and the stack's
 * backend: S3 with encryption and S3-native locking, or a local file. With a role, both assume it,
 * so one state bucket can serve stacks in several accounts (the bucket's policy admits the roles;
 * see StateBootstrapStack).
 */
export function configureProviderAndState(stack: TerraformStack, props: ProviderAndStateProps): AwsProvider {
  const { state } = props;
  if (state.kind === "s3") {
    if (!state.bucket) throw new Error(`stack "${stack.node.id}" keeps its state in S3 but names no state bucket`);
    new S3Backend(stack, {
      bucket: state.bucket,
      key: state.key,
      region: state.region,
      encrypt: true,
      ...(props.roleArn ? { assumeRole: { roleArn: props.roleArn } } : {}),
    });
    // cdktf 0.21 has no typed prop for S3-native locking (Terraform ≥ 1.10).
    stack.addOverride("terraform.backend.s3.use_lockfile", true);
  } else {
    new LocalBackend(stack, { path: state.path });
  }
  return new AwsProvider(stack, "aws", {
    region: props.region,
    ...(props.allowedAccountIds.length > 0 ? { allowedAccountIds: props.allowedAccountIds } : {}),
    ...(props.roleArn ? { assumeRole: [{ roleArn: props.roleArn }] } : {}),
    defaultTags: [{ tags: props.tags }],
  });
}
