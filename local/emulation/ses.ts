/**
 * SES v2's SendEmail for the local runtime, behind its AWS endpoint (aws-front.ts), with a mailbox
 * instead of delivery: the notification service runs the same SES call as on AWS.
 *
 * As SES answers it (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html):
 * the From address must be a verified identity, or an address of a verified domain (the plan's
 * identities count as verified); a configuration set named must exist; at least one recipient;
 * simple content needs a subject and a body. Errors are SES v2's REST-JSON errors, named by the
 * `x-amzn-ErrorType` header. The sandbox's rule that recipients must be verified too is not
 * applied: the local stack stands for an account with production access.
 *
 * Its send quota (the rate and the 24-hour quota) is the one the runtime gives it; it counts what
 * it accepted in the last 24 hours, per recipient as SES counts against the quota, for GetAccount
 * (account-quotas.ts), and refuses a send that would take the last 24 hours beyond the quota, with
 * the message SES documents ("Daily message quota exceeded",
 * https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html), as the
 * ThrottlingException that page names (SES v2's SendEmail does not list it: an assumption). The
 * rate is not enforced: SES accepts bursts above it ("for short bursts, but not for sustained
 * periods"), without saying how long.
 */
import { randomUUID } from "node:crypto";
import type { Refusal } from "../authz/gate";
import { bareAddress, verifiedIdentityOf } from "../authz/requests";

export interface Mail {
  readonly messageId: string;
  readonly at: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly configurationSet?: string;
}

/** SES v2's SendQuota, as GetAccount answers it. */
export interface SendQuota {
  readonly Max24HourSend: number;
  readonly MaxSendRate: number;
  readonly SentLast24Hours: number;
}

/** The account's SES quotas in the region. */
export interface SesQuota {
  /** E-mails per second. */
  readonly maxSendRate: number;
  /** E-mails in any 24 hours. */
  readonly max24HourSend: number;
}

const DAY_MS = 24 * 3600 * 1000;
const MINUTE_MS = 60 * 1000;

/** Mails kept, oldest dropped first: a long local session does not grow without bound. */
const MAILBOX_SIZE = 10_000;

function error(status: number, type: string, message: string): Refusal {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": type },
    body: JSON.stringify({ message }),
  };
}

interface SendEmailInput {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ConfigurationSetName?: string;
  Content?: { Simple?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string }; Html?: { Data?: string } } } };
}

export class LocalSes {
  readonly mailbox: Mail[] = [];
  /** Recipients accepted per minute (start of the minute, ms): the 24-hour count without keeping every mail. */
  private readonly sentPerMinute = new Map<number, number>();

  constructor(
    private readonly declared: { identities: readonly string[]; configurationSets: readonly string[] },
    private readonly region: string,
    private readonly quota: SesQuota,
    private readonly now: () => number = Date.now,
  ) {}

  /** The send quota and what was sent in the last 24 hours (to the minute). */
  sendQuota(): SendQuota {
    const since = this.now() - DAY_MS;
    let sent = 0;
    for (const [minute, count] of this.sentPerMinute) {
      if (minute + MINUTE_MS <= since) this.sentPerMinute.delete(minute);
      else sent += count;
    }
    return { Max24HourSend: this.quota.max24HourSend, MaxSendRate: this.quota.maxSendRate, SentLast24Hours: sent };
  }

  /** The answer to a SES v2 request (already authorized). */
  answer(method: string, path: string, body: Buffer): Refusal {
    if (method !== "POST" || path !== "/v2/email/outbound-emails")
      return error(404, "NotFoundException", `the local SES answers SendEmail only, not ${method} ${path}`);
    let input: SendEmailInput;
    try {
      input = JSON.parse(body.toString("utf8")) as SendEmailInput;
    } catch {
      return error(400, "BadRequestException", "the request body is not JSON");
    }
    const refusal = this.refusal(input);
    if (refusal) return refusal;
    const simple = input.Content!.Simple!;
    const mail: Mail = {
      messageId: `${randomUUID()}-000000`,
      at: new Date(this.now()).toISOString(),
      from: input.FromEmailAddress!,
      to: [
        ...(input.Destination?.ToAddresses ?? []),
        ...(input.Destination?.CcAddresses ?? []),
        ...(input.Destination?.BccAddresses ?? []),
      ],
      subject: simple.Subject!.Data!,
      text: simple.Body?.Text?.Data ?? simple.Body?.Html?.Data ?? "",
      ...(input.ConfigurationSetName ? { configurationSet: input.ConfigurationSetName } : {}),
    };
    this.mailbox.push(mail);
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    this.sentPerMinute.set(minute, (this.sentPerMinute.get(minute) ?? 0) + mail.to.length);
    if (this.mailbox.length > MAILBOX_SIZE) this.mailbox.shift();
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ MessageId: mail.messageId }),
    };
  }

  private refusal(input: SendEmailInput): Refusal | undefined {
    const from = input.FromEmailAddress ?? "";
    const address = bareAddress(from);
    if (!address.includes("@"))
      return error(400, "BadRequestException", `FromEmailAddress "${from}" is not an address`);
    if (!verifiedIdentityOf(from, this.declared.identities))
      return error(
        400,
        "MessageRejected",
        `Email address is not verified. The following identities failed the check in region ${this.region.toUpperCase()}: ${address}`,
      );
    if (input.ConfigurationSetName && !this.declared.configurationSets.includes(input.ConfigurationSetName))
      return error(404, "NotFoundException", `Configuration set <${input.ConfigurationSetName}> does not exist.`);
    const d = input.Destination ?? {};
    const recipients = [...(d.ToAddresses ?? []), ...(d.CcAddresses ?? []), ...(d.BccAddresses ?? [])].length;
    if (recipients === 0) return error(400, "BadRequestException", "Destination needs at least one address");
    const simple = input.Content?.Simple;
    if (!simple?.Subject?.Data || !(simple.Body?.Text?.Data ?? simple.Body?.Html?.Data))
      return error(400, "BadRequestException", "Content.Simple needs a Subject and a Text or Html Body");
    const { Max24HourSend, SentLast24Hours } = this.sendQuota();
    if (Max24HourSend !== -1 && SentLast24Hours + recipients > Max24HourSend)
      return error(400, "ThrottlingException", "Daily message quota exceeded.");
    return undefined;
  }
}
