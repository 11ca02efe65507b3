import { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { GrantOptions, Grantee, policyDocument } from "./policy";

export interface MessagingKeyProps {
  /** Alias without the `alias/` prefix; it also names the key in its description. */
  readonly alias: string;
  /** The account that owns the key: its root administers it (`kms:*`), as the account's IAM policies allow. */
  readonly accountId: string;
  /** The account's partition (`aws`, `aws-cn`, …), to build the root principal's ARN. */
  readonly partition: string;
  /**
   * ARNs of the SNS topics allowed to use the key. They are built from names rather than taken
   * from the topics, because the topics are encrypted with this key: referencing them would be a
   * dependency cycle.
   */
  readonly topicArns: string[];
  /** Lets CloudWatch alarms publish to a topic encrypted with this key. @default false */
  readonly allowCloudWatchAlarms?: boolean;
  /** Days between a scheduled deletion and the key's end, 7 to 30 (KMS's range). @default 30 */
  readonly deletionWindowDays?: number;
}

/**
 * A customer managed key for SNS topics and the SQS queues subscribed to them. SNS cannot deliver
 * to a queue encrypted with the AWS-managed SQS key, hence a customer key whose policy lets
 * sns.amazonaws.com generate data keys for these topics only. Rotation is on.
 */
export class MessagingKey extends Construct {
  readonly key: KmsKey;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: MessagingKeyProps) {
    super(scope, id);
    const root = `arn:${props.partition}:iam::${props.accountId}:root`;
    const useKey = ["kms:GenerateDataKey*", "kms:Decrypt"];
    this.key = new KmsKey(this, "key", {
      description: `Encrypts ${props.alias} topics and queues`,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowDays ?? 30,
      policy: policyDocument([
        { sid: "AccountAdministers", principals: { AWS: [root] }, actions: ["kms:*"], resources: ["*"] },
        {
          sid: "SnsUsesKeyForTheseTopics",
          principals: { Service: ["sns.amazonaws.com"] },
          actions: useKey,
          resources: ["*"],
          conditions: { ArnEquals: { "aws:SourceArn": props.topicArns } },
        },
        ...(props.allowCloudWatchAlarms
          ? [
              // AWS's documented statement for CloudWatch alarm actions on an SSE-KMS topic, as written
              // there (no conditions): "Enable compatibility between event sources from AWS services
              // and encrypted topics", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
              // What CloudWatch may publish to is narrowed by the ops topic's own policy (OpsAlarms).
              {
                sid: "Allow_CloudWatch_for_CMK",
                principals: { Service: ["cloudwatch.amazonaws.com"] },
                actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
                resources: ["*"],
              },
            ]
          : []),
      ]),
    });
    new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
    this.arn = this.key.arn;
  }

  /**
   * Lets the grantee encrypt and decrypt with the key: what a publisher to a topic under it needs
   * (GenerateDataKey, and Decrypt, which SNS checks as well). Narrower than AWS CDK's grant of the
   * same name (no Encrypt, no ReEncrypt): data keys are all SNS asks for.
   */
  grantEncryptDecrypt(grantee: Grantee, options: GrantOptions = {}): void {
    grantee.addToRolePolicy({
      sid: options.sid,
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      resources: [this.arn],
    });
  }
}
