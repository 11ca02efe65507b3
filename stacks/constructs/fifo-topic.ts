import { Construct } from "constructs";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Fn, LocalExecProvisioner } from "cdktf";
import { requireFifoName } from "./fifo";
import { denyInsecureTransport, GrantOptions, Grantee, policyDocument } from "./policy";

export interface FifoTopicProps {
  /** The topic's name: 1 to 256 letters, digits, hyphens and underscores, ending with `.fifo`. */
  readonly name: string;
  /** Customer managed key; SNS cannot deliver to SQS under the AWS-managed key. */
  readonly kmsKeyArn: string;
  /** Days SNS keeps messages for replay, 0 (no archive) or 1 to 365. @default 0 */
  readonly archiveRetentionDays?: number;
  /** Per-message-group throughput quotas instead of per-topic. @default false */
  readonly highThroughput?: boolean;
  /**
   * Let `terraform destroy` delete a topic that keeps an archive (see `clearArchiveOnDestroy`):
   * the region to call SNS in, and the role to assume for it if any.
   * @default undefined: a destroy stops at the topic while it has an archive
   */
  readonly destroyArchive?: { readonly region: string; readonly roleArn?: string };
}

/**
 * SNS refuses to delete a topic with an archive policy ("Cannot delete a topic with an
 * ArchivePolicy": https://docs.aws.amazon.com/sns/latest/dg/message-archiving-and-replay-topic-owner.html),
 * and the provider cannot clear it (hashicorp/terraform-provider-aws#38885). On destroy, this runs
 * the AWS CLI (v2) to set it to `{}`, which deletes the archived messages, as AWS CDK's own
 * integration test does (aws/aws-cdk#37113). A destroy-time command sees no provider
 * configuration, so it assumes the environment's role itself when there is one.
 */
function clearArchiveOnDestroy(region: string, roleArn: string | undefined): LocalExecProvisioner {
  const clear = `aws sns set-topic-attributes --region ${region} --topic-arn "$TOPIC_ARN" --attribute-name ArchivePolicy --attribute-value '{}'`;
  const asRole = roleArn
    ? `set -- $(aws sts assume-role --role-arn ${roleArn} --role-session-name order-fanout-destroy ` +
      `--query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text) && ` +
      `AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 AWS_SESSION_TOKEN=$3 `
    : "";
  return {
    type: "local-exec",
    when: "destroy",
    interpreter: ["/bin/sh", "-c"],
    environment: { TOPIC_ARN: "${self.arn}" },
    command: `${asRole}${clear}`,
  };
}

/**
 * An SNS FIFO topic. Content-based deduplication is off: publishers set MessageDeduplicationId
 * themselves (the eventId), which survives a retried publish with a changed body.
 * Its policy denies plain-HTTP access; call `restrictPublishersTo` to name who may publish.
 */
export class FifoTopic extends Construct {
  readonly topic: SnsTopic;
  readonly arn: string;
  readonly name: string;
  private publishersRestricted = false;

  constructor(scope: Construct, id: string, props: FifoTopicProps) {
    super(scope, id);
    requireFifoName("SNS topic", props.name);
    const archiveDays = props.archiveRetentionDays ?? 0;
    this.name = props.name;
    this.topic = new SnsTopic(this, "topic", {
      name: props.name,
      fifoTopic: true,
      contentBasedDeduplication: false,
      kmsMasterKeyId: props.kmsKeyArn,
      ...(archiveDays > 0 ? { archivePolicy: Fn.jsonencode({ MessageRetentionPeriod: archiveDays }) } : {}),
      ...(props.highThroughput ? { fifoThroughputScope: "MessageGroup" } : {}),
      ...(archiveDays > 0 && props.destroyArchive
        ? { provisioners: [clearArchiveOnDestroy(props.destroyArchive.region, props.destroyArchive.roleArn)] }
        : {}),
    });
    this.arn = this.topic.arn;
  }

  /**
   * Lets the grantee publish to the topic. The topic's key is granted apart (MessagingKey's
   * `grantEncryptDecrypt`), and the topic policy must name the grantee too (`restrictPublishersTo`).
   */
  grantPublish(grantee: Grantee, options: GrantOptions = {}): void {
    grantee.addToRolePolicy({ sid: options.sid, actions: ["sns:Publish"], resources: [this.arn] });
  }

  /** Writes the topic policy: only these roles may publish, and nobody over plain HTTP. */
  restrictPublishersTo(roleArns: string[]): void {
    if (this.publishersRestricted) throw new Error(`FifoTopic "${this.name}": publishers are already restricted`);
    if (roleArns.length === 0) throw new Error(`FifoTopic "${this.name}": name at least one publisher role`);
    this.publishersRestricted = true;
    new SnsTopicPolicy(this, "policy", {
      arn: this.topic.arn,
      policy: policyDocument([
        { sid: "PublishersPublish", principals: { AWS: roleArns }, actions: ["sns:Publish"], resources: [this.arn] },
        {
          sid: "OnlyPublishersPublish",
          effect: "Deny",
          principals: "*",
          actions: ["sns:Publish"],
          resources: [this.arn],
          conditions: { ArnNotEquals: { "aws:PrincipalArn": roleArns } },
        },
        denyInsecureTransport("sns", [this.arn]),
      ]),
    });
  }
}
