import { OnDemandTable } from "./on-demand-table";
import { FifoTopic } from "./fifo-topic";
import { MessagingKey } from "./messaging-key";
import { OpsAlarms } from "./ops-alarms";
import { Grantee } from "./policy";
import { FunctionSettings } from "./bundled-function";
import { ORDER_ATTRIBUTES_WRITTEN_BY } from "../../contract/order-writes";

/** What a function that publishes the outbox (the relay, the sweep) is given: its settings and what it publishes. */
export interface OutboxPublisherProps extends FunctionSettings {
  /** The orders table. */
  readonly table: OnDemandTable;
  /** Where the events are published. */
  readonly topic: FifoTopic;
  /** The topic's key: what is published is encrypted with it. */
  readonly key: MessagingKey;
  /** Where its alarms go. */
  readonly alarms: OpsAlarms;
}

/** Lets the grantee read an order's outbox, mark its events published, and publish them (shared/outbox.ts). */
export function grantOutboxPublishing(
  grantee: Grantee,
  { table, topic, key }: Pick<OutboxPublisherProps, "table" | "topic" | "key">,
): void {
  table.grant(grantee, ["dynamodb:GetItem"], { sid: "ReadOrders" });
  table.grantUpdate(grantee, { attributes: ORDER_ATTRIBUTES_WRITTEN_BY.outboxPublisher, sid: "MarkPublished" });
  topic.grantPublish(grantee, { sid: "Publish" });
  key.grantEncryptDecrypt(grantee, { sid: "EncryptPublished" });
}
