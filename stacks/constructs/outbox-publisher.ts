import { OnDemandTable } from "./on-demand-table";
import { FifoTopic } from "./fifo-topic";
import { OpsAlarms } from "./ops-alarms";
import { PolicyStatement } from "./policy";
import { ORDER_ATTRIBUTES_WRITTEN_BY } from "../../contract/order-writes";

/** What a function that publishes the outbox (the relay, the sweep) is given. */
export interface OutboxPublisherProps {
  readonly functionName: string;
  /** Default: dist/ (see BundledFunction). */
  readonly bundleRoot?: string;
  /** The orders table. */
  readonly table: OnDemandTable;
  readonly topic: FifoTopic;
  /** The topic's key: what is published is encrypted with it. */
  readonly kmsKeyArn: string;
  readonly memoryMb: number;
  readonly logRetentionDays: number;
  readonly environment: Record<string, string>;
  readonly alarms: OpsAlarms;
}

/** Reading an order's outbox, marking its events published, and publishing them (shared/outbox.ts). */
export function publishesOutbox(props: OutboxPublisherProps): PolicyStatement[] {
  return [
    { sid: "ReadOrders", actions: ["dynamodb:GetItem"], resources: [props.table.arn] },
    props.table.updatesOnly(ORDER_ATTRIBUTES_WRITTEN_BY.outboxPublisher, "MarkPublished"),
    { sid: "Publish", actions: ["sns:Publish"], resources: [props.topic.arn] },
    { sid: "EncryptPublished", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.kmsKeyArn] },
  ];
}
