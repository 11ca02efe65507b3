import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { denyInsecureTransport, Grantee, PolicyStatement, policyDocument } from "./policy";

export interface SecureBucketProps {
  /** 3 to 63 lower-case letters, digits, hyphens and dots; globally unique, so include the account id. */
  readonly bucketName: string;
  /** Days a replaced or deleted object version is kept, at least 1. @default 90 */
  readonly noncurrentVersionDays?: number;
  /** Refuse `terraform destroy` while the bucket exists. @default false */
  readonly preventDestroy?: boolean;
  /** Let `terraform destroy` delete every object version with the bucket. @default false */
  readonly forceDestroy?: boolean;
  /**
   * Statements added to the bucket policy (which always denies plain HTTP), given the bucket's ARN.
   * @default none
   */
  readonly policyStatements?: (bucketArn: string) => PolicyStatement[];
}

/**
 * An S3 bucket that is versioned, encrypted (SSE-S3), owned by the bucket owner, closed to the
 * public, reachable over TLS only, and expires noncurrent versions.
 */
export class SecureBucket extends Construct {
  readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: SecureBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, "bucket", {
      bucket: props.bucketName,
      forceDestroy: props.forceDestroy ?? false,
      ...(props.preventDestroy ? { lifecycle: { preventDestroy: true } } : {}),
    });
    const bucket = this.bucket.id;
    new S3BucketVersioningA(this, "versioning", { bucket, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, "public-access", {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "ownership", { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } });
    new S3BucketPolicy(this, "policy", {
      bucket,
      policy: policyDocument([
        denyInsecureTransport("s3", [this.bucket.arn, `${this.bucket.arn}/*`]),
        ...(props.policyStatements?.(this.bucket.arn) ?? []),
      ]),
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket,
      rule: [
        {
          id: "expire-noncurrent-versions",
          status: "Enabled",
          filter: [{}],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionDays ?? 90 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
    });
  }

  /**
   * Lets the grantee put and get the objects whose keys match the pattern, and list the bucket:
   * without ListBucket, S3 answers 403 instead of 404 for a key that does not exist. No delete,
   * unlike AWS CDK's `Bucket.grantReadWrite`: a versioned bucket keeps what is replaced.
   */
  grantReadWrite(grantee: Grantee, objectsKeyPattern: string): void {
    grantee.addToRolePolicy({
      actions: ["s3:PutObject", "s3:GetObject"],
      resources: [`${this.arn}/${objectsKeyPattern}`],
    });
    grantee.addToRolePolicy({ actions: ["s3:ListBucket"], resources: [this.arn] });
  }

  get arn(): string {
    return this.bucket.arn;
  }

  get name(): string {
    return this.bucket.bucket;
  }
}
