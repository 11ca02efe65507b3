import { OnDemandTable } from "./on-demand-table";
import { FifoTopic } from "./fifo-topic";
import { OpsAlarms } from "./ops-alarms";
import { PolicyStatement } from "./policy";

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
    { sid: "ReadAndMarkOrders", actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"], resources: [props.table.arn] },
    { sid: "Publish", actions: ["sns:Publish"], resources: [props.topic.arn] },
    { sid: "EncryptPublished", actions: ["kms:GenerateDataKey", "kms:Decrypt"], resources: [props.kmsKeyArn] },
  ];
}
