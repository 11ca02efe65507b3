import { Construct } from "constructs";
import { Fn, TerraformOutput, Token } from "cdktf";
import { Sesv2ConfigurationSet } from "@cdktf/provider-aws/lib/sesv2-configuration-set";
import { Sesv2EmailIdentity } from "@cdktf/provider-aws/lib/sesv2-email-identity";
import { Grantee } from "./policy";

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
}
