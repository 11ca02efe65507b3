/** The e-mails the notification service sends, and how it sends them: SES v2. */
import { SendEmailCommand, SESv2Client } from "@aws-sdk/client-sesv2";
import { OrderEvent } from "../../contract/events";
import { OrderRecord } from "../shared/order-record";

export interface EmailMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** One e-mail for one event; the eventId is what makes a second delivery recognisable. */
export interface Delivery {
  readonly eventId: string;
  readonly message: EmailMessage;
}

export type EmailTransport = (delivery: Delivery) => Promise<void>;

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency}`;

/** The e-mail for an event, to the customer of the stored order. */
export function emailFor(event: OrderEvent, order: OrderRecord, from: string): EmailMessage {
  const to = order.customer.email;
  switch (event.eventType) {
    case "OrderPlaced": {
      const lines = event.items.map((i) => `  ${i.quantity} × ${i.sku} at ${money(i.unitPriceCents, event.currency)}`);
      return {
        from,
        to,
        subject: `Order ${event.orderId} confirmed`,
        text: [
          `Thank you for your order ${event.orderId}.`,
          "",
          ...lines,
          "",
          `Total: ${money(event.totalCents, event.currency)}`,
        ].join("\n"),
      };
    }
    case "OrderCancelled":
      return {
        from,
        to,
        subject: `Order ${event.orderId} cancelled`,
        text:
          `Your order ${event.orderId} was cancelled (${event.reason || "no reason given"}). ` +
          `Any payment of ${money(order.totalCents, order.currency)} will be refunded.`,
      };
    case "OrderRejected": {
      const short = event.lines.map((l) => `  ${l.sku}: ${l.requested} ordered, ${l.available} left`);
      return {
        from,
        to,
        subject: `We could not fulfil your order ${event.orderId}`,
        text: [
          `We are sorry: we could not fulfil your order ${event.orderId}, because some items are out of stock:`,
          "",
          ...short,
          "",
          `You will not be charged; any payment of ${money(order.totalCents, order.currency)} will be refunded.`,
        ].join("\n"),
      };
    }
  }
}

/**
 * Logs each e-mail the transport accepted, by eventId (never the address): the record an operator
 * and the end-to-end accounting read to tell how many e-mails an event caused.
 */
export function logged(transport: EmailTransport, log: (message: string, extra: { eventId: string }) => void) {
  return async (delivery: Delivery): Promise<void> => {
    await transport(delivery);
    log(EMAIL_SENT, { eventId: delivery.eventId });
  };
}

/** The message of the log line `logged` writes per e-mail sent. */
export const EMAIL_SENT = "e-mail sent";

/**
 * The account's SES quotas, by the message SES refuses a send with. AWS's page names the messages
 * and ThrottlingException (https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html),
 * but SES v2's SendEmail lists neither that nor another exception for them, and the rate's refusal
 * is seen as TooManyRequestsException: the message is what is sure.
 */
const QUOTA_REFUSALS = [
  {
    quota: "24-hour sending quota",
    message: /daily message quota exceeded/i,
    then:
      "The message is received again, then waits in the notification DLQ: raise Amazon SES › Sending quota " +
      "(L-804C8AE8) or let the last 24 hours free up, then run `npm run ops -- dlq redrive notification`",
  },
  {
    quota: "maximum send rate",
    message: /maximum sending rate exceeded/i,
    then:
      "SQS delivers the message again after its visibility timeout; refused on every receive, it waits in the " +
      "notification DLQ. Another sender in the account takes the rate: raise Amazon SES › Sending rate (L-CDEF9B6B)",
  },
];

/** SES refused a send for an account quota: nothing is wrong with the e-mail, and it must not be lost. */
export class SendingQuotaError extends Error {
  constructor(quota: string, then: string, cause: Error) {
    super(`SES refused the e-mail: the account's ${quota} is used up (${cause.message}). ${then}`, { cause });
    this.name = "SendingQuotaError";
  }
}

/**
 * Sends through SES v2 in the stack's configuration set (reputation metrics, suppression list).
 * A refusal for an account quota is counted (`onQuotaRefusal`) and thrown as a SendingQuotaError.
 */
export function sesTransport(ses: SESv2Client, configurationSet: string, onQuotaRefusal = () => {}): EmailTransport {
  return async ({ message }) => {
    try {
      await ses.send(
        new SendEmailCommand({
          ConfigurationSetName: configurationSet,
          FromEmailAddress: message.from,
          Destination: { ToAddresses: [message.to] },
          Content: { Simple: { Subject: { Data: message.subject }, Body: { Text: { Data: message.text } } } },
        }),
      );
    } catch (error) {
      const refusal = QUOTA_REFUSALS.find((r) => r.message.test((error as Error).message));
      if (!refusal) throw error;
      onQuotaRefusal();
      throw new SendingQuotaError(refusal.quota, refusal.then, error as Error);
    }
  };
}
