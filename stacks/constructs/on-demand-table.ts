import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { PolicyStatement } from "./policy";

export interface OnDemandTableProps {
  readonly name: string;
  /** String partition key. */
  readonly partitionKey: string;
  /** Attribute holding an epoch-seconds expiry. Default: none. */
  readonly ttlAttribute?: string;
  /** Deletion protection and point-in-time recovery. */
  readonly protect: boolean;
  /** A stream of item changes, e.g. NEW_IMAGE for an outbox relay. Default: none. */
  readonly stream?: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES";
  /** Units/s the table serves from the start, for a known peak. Default: what on-demand starts with. */
  readonly warmThroughput?: { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number };
  /**
   * Global secondary indexes with string keys that hold only the keys (KEYS_ONLY): an item is in
   * one while it has both key attributes, so an index is as small as the items that set them.
   * Default: none.
   */
  readonly indexes?: readonly KeysOnlyIndex[];
}

export interface KeysOnlyIndex {
  readonly name: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /** Units/s the index serves from the start; billed, so sized for the index's own writes. Default: none. */
  readonly warmThroughput?: { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number };
}

/** A DynamoDB table billed per request, encrypted, with a string partition key and optional key-only indexes. */
export class OnDemandTable extends Construct {
  readonly table: DynamodbTable;

  constructor(scope: Construct, id: string, props: OnDemandTableProps) {
    super(scope, id);
    this.table = new DynamodbTable(this, "table", {
      name: props.name,
      billingMode: "PAY_PER_REQUEST",
      hashKey: props.partitionKey,
      attribute: [
        { name: props.partitionKey, type: "S" },
        ...(props.indexes ?? []).flatMap((i) => [
          { name: i.partitionKey, type: "S" },
          { name: i.sortKey, type: "S" },
        ]),
      ],
      globalSecondaryIndex: (props.indexes ?? []).map((i) => ({
        name: i.name,
        hashKey: i.partitionKey,
        rangeKey: i.sortKey,
        projectionType: "KEYS_ONLY",
        ...(i.warmThroughput ? { warmThroughput: i.warmThroughput } : {}),
      })),
      serverSideEncryption: { enabled: true },
      pointInTimeRecovery: { enabled: props.protect },
      deletionProtectionEnabled: props.protect,
      ...(props.ttlAttribute ? { ttl: { attributeName: props.ttlAttribute, enabled: true } } : {}),
      ...(props.stream ? { streamEnabled: true, streamViewType: props.stream } : {}),
      ...(props.warmThroughput ? { warmThroughput: props.warmThroughput } : {}),
    });
  }

  /**
   * UpdateItem on this table's items, naming only these top-level attributes (its key among them).
   * ForAllValues holds when every attribute a request names is listed
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
   */
  updatesOnly(attributes: readonly string[], sid = "UpdatesOnlyItsAttributes"): PolicyStatement {
    return {
      sid,
      actions: ["dynamodb:UpdateItem"],
      resources: [this.arn],
      conditions: { "ForAllValues:StringEquals": { "dynamodb:Attributes": [...attributes] } },
    };
  }

  get arn(): string {
    return this.table.arn;
  }

  get name(): string {
    return this.table.name;
  }
}
