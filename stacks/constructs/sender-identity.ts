import { Construct } from "constructs";
import { Fn, TerraformOutput, Token } from "cdktf";
import { Sesv2ConfigurationSet } from "@cdktf/provider-aws/lib/sesv2-configuration-set";
import { Sesv2EmailIdentity } from "@cdktf/provider-aws/lib/sesv2-email-identity";
import { Grantee } from "./policy";
import { anyCountAlarm, OpsAlarms } from "./ops-alarms";
import { EMAILS_REFUSED_BY_QUOTA_METRIC } from "../../contract/metrics";

export interface SenderIdentityProps {
  /** The From address (a Terraform expression is fine, e.g. a variable's value). */
  readonly senderEmail: string;
  /**
   * `address`: SES verifies this one address (it e-mails a link to it). `domain`: SES verifies the
   * address's domain with Easy DKIM; the three CNAME records to publish are the `dkim_records` output.
   */
  readonly verify: "address" | "domain";
  /** Name of the configuration set, 1 to 64 letters, digits, hyphens and underscores. */
  readonly configurationSetName: string;
}

/**
 * The SES v2 identity that order e-mails are sent from, and the configuration set they are sent
 * through (reputation metrics on, bounces and complaints suppressed).
 */
export class SenderIdentity extends Construct {
  readonly identity: Sesv2EmailIdentity;
  readonly configurationSet: Sesv2ConfigurationSet;
  private readonly senderEmail: string;

  constructor(scope: Construct, id: string, props: SenderIdentityProps) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    this.configurationSet = new Sesv2ConfigurationSet(this, "configuration-set", {
      configurationSetName: props.configurationSetName,
      reputationOptions: { reputationMetricsEnabled: true },
      sendingOptions: { sendingEnabled: true },
      suppressionOptions: { suppressedReasons: ["BOUNCE", "COMPLAINT"] },
    });
    const domain = Token.asString(Fn.element(Fn.split("@", props.senderEmail), 1));
    this.identity = new Sesv2EmailIdentity(this, "identity", {
      emailIdentity: props.verify === "domain" ? domain : props.senderEmail,
      configurationSetName: this.configurationSet.configurationSetName,
    });
    if (props.verify === "domain") {
      const tokens = this.identity.dkimSigningAttributes.tokens;
      new TerraformOutput(scope, "dkim_records", {
        description: "CNAME records that verify the sender's domain (Easy DKIM): publish them in its DNS zone",
        value: Token.asList(Fn.formatlist("%s._domainkey.%s CNAME %s.dkim.amazonses.com", [tokens, domain, tokens])),
      });
    }
  }

  /**
   * Lets the grantee send, and nothing more of SES: SendEmail through this identity, in this
   * configuration set, from this address. SES v2 authorizes SendEmail on the identity and on the
   * configuration set named in the call (https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html).
   */
  grantSendEmail(grantee: Grantee): void {
    grantee.addToRolePolicy({
      sid: "SendAsTheSenderIdentity",
      actions: ["ses:SendEmail"],
      resources: [this.identity.arn, this.configurationSet.arn],
      conditions: { StringEquals: { "ses:FromAddress": [this.senderEmail] } },
    });
  }

  get configurationSetName(): string {
    return this.configurationSet.configurationSetName;
  }

  /**
   * Pages before SES's 24-hour quota runs out and when it has: the account's sends over the last
   * day (AWS/SES Send, account-wide, no dimension) reaching `warnAt` of `dailyQuota`, and any send
   * SES refused for a quota (the notification service counts them). A one-day period is evaluated
   * as a sliding window by default, as SES counts its quota
   * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
   */
  addAlarms(alarms: OpsAlarms, options: SendingQuotaAlarmOptions): void {
    const warnAt = options.warnAt ?? 0.8;
    alarms.add(this, "email-daily-quota", {
      namespace: "AWS/SES",
      metricName: "Send",
      statistic: "Sum",
      period: 86_400,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: Math.floor(options.dailyQuota * warnAt),
      alarmDescription:
        `The account sent ${warnAt * 100} % of its SES 24-hour quota (${options.dailyQuota}) in the last 24 hours: ` +
        "e-mails beyond it are refused; request a raise of Amazon SES › Sending quota (L-804C8AE8)",
    });
    alarms.add(
      this,
      "email-quota-refused",
      anyCountAlarm(
        { namespace: options.metricsNamespace, service: options.service, metricName: EMAILS_REFUSED_BY_QUOTA_METRIC },
        "SES refused e-mails for an account quota (the notification log lines name which): beyond the 24-hour " +
          "quota they wait in the notification DLQ for `npm run ops -- dlq redrive notification` once it allows",
      ),
    );
  }
}

export interface SendingQuotaAlarmOptions {
  /** The account's SES 24-hour quota (notification.dailyQuota). */
  readonly dailyQuota: number;
  /** The share of it at which to page, above 0 up to 1. @default 0.8 */
  readonly warnAt?: number;
  /** Where the notification service's own metrics are (metricsNamespace). */
  readonly metricsNamespace: string;
  /** The notification service's `service` dimension. */
  readonly service: string;
}
