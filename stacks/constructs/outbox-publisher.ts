import { OnDemandTable } from "./on-demand-table";
import { FifoTopic } from "./fifo-topic";
import { OpsAlarms } from "./ops-alarms";
import { PolicyStatement } from "./policy";
import { FunctionSettings } from "./bundled-function";
import { ORDER_ATTRIBUTES_WRITTEN_BY } from "../../contract/order-writes";

/** What a function that publishes the outbox (the relay, the sweep) is given: its settings and what it publishes. */
export interface OutboxPublisherProps extends FunctionSettings {
  /** The orders table. */
  readonly table: OnDemandTable;
  /** Where the events are published. */
  readonly topic: FifoTopic;
  /** The topic's key: what is published is encrypted with it. */
  readonly kmsKeyArn: string;
  /** Where its alarms go. */
  readonly alarms: OpsAlarms;
}

/** Reading an order's outbox, marking its events published, and publishing them (shared/outbox.ts). */
export function publishesOutbox(props: Pick<OutboxPublisherProps, "table" | "topic" | "kmsKeyArn">): PolicyStatement[] {
  return [
    { sid: "ReadOrders", actions: ["dynamodb:GetItem"], resources: [props.table.arn] },
    props.table.updatesOnly(ORDER_ATTRIBUTES_WRITTEN_BY.outboxPublisher, "MarkPublished"),
    { sid: "Publish", actions: ["sns:Publish"], resources: [props.topic.arn] },
    { sid: "EncryptPublished", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.kmsKeyArn] },
  ];
}
