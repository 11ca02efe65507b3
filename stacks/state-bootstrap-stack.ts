import { Construct } from "constructs";
import { TerraformOutput, TerraformStack } from "cdktf";
import { configureProviderAndState } from "./aws-provider";
import { SecureBucket } from "./constructs/secure-bucket";

export interface StateBootstrapProps {
  readonly bucket: string;
  readonly region: string;
  readonly tags: Record<string, string>;
}

/**
 * The S3 bucket that holds every environment's Terraform state. Applied once, by hand, with local
 * state (a bucket cannot hold the state that creates it); keep its terraform.tfstate safe.
 */
export class StateBootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: StateBootstrapProps) {
    super(scope, id);
    configureProviderAndState(this, {
      region: props.region,
      allowedAccountIds: [],
      tags: props.tags,
      state: { kind: "local", path: "terraform.state-bootstrap.tfstate" },
    });
    const state = new SecureBucket(this, "state", {
      bucketName: props.bucket,
      noncurrentVersionDays: 90,
      preventDestroy: true,
    });
    new TerraformOutput(this, "state_bucket", { value: state.name });
  }
}
