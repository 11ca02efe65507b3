import { Construct } from "constructs";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { GrantOptions, Grantee } from "./policy";
import { OpsAlarms } from "./ops-alarms";

export interface OnDemandTableProps {
  /** The table's name, 3 to 255 letters, digits, `_`, `-` and `.`. */
  readonly name: string;
  /** String partition key. */
  readonly partitionKey: string;
  /** Attribute holding an epoch-seconds expiry. @default none: items do not expire */
  readonly ttlAttribute?: string;
  /** Deletion protection and point-in-time recovery. */
  readonly protect: boolean;
  /** A stream of item changes, e.g. NEW_IMAGE for an outbox relay. @default none */
  readonly stream?: "NEW_IMAGE" | "NEW_AND_OLD_IMAGES";
  /**
   * Units/s the table serves from the start, for a known peak: at least 12,000 reads and 4,000
   * writes (DynamoDB's minimum). @default none: what on-demand starts with
   */
  readonly warmThroughput?: { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number };
  /**
   * Global secondary indexes with string keys that hold only the keys (KEYS_ONLY): an item is in
   * one while it has both key attributes, so an index is as small as the items that set them;
   * at most 20 (DynamoDB's default quota). @default none
   */
  readonly indexes?: readonly KeysOnlyIndex[];
}

/** A DynamoDB action, e.g. `dynamodb:GetItem`. */
export type DynamoDbAction = `dynamodb:${string}`;

/** Which attributes an update may name. */
export interface UpdateGrantOptions extends GrantOptions {
  /** The top-level attributes the grantee's updates may name, its key among them. */
  readonly attributes: readonly string[];
  /** @default "UpdatesOnlyItsAttributes" */
  readonly sid?: string;
}

export interface KeysOnlyIndex {
  /** The index's name, 3 to 255 letters, digits, `_`, `-` and `.`; queries and grants name it. */
  readonly name: string;
  /** String partition key: an item is in the index while it has this attribute and the sort key. */
  readonly partitionKey: string;
  /** String sort key. */
  readonly sortKey: string;
  /**
   * Units/s the index serves from the start; billed, so sized for the index's own writes (at least
   * 12,000 reads and 4,000 writes, DynamoDB's minimum). @default none
   */
  readonly warmThroughput?: { readonly readUnitsPerSecond: number; readonly writeUnitsPerSecond: number };
}

/** A DynamoDB table billed per request, encrypted, with a string partition key and optional key-only indexes. */
export class OnDemandTable extends Construct {
  readonly table: DynamodbTable;
  private readonly indexNames: string[];

  constructor(scope: Construct, id: string, props: OnDemandTableProps) {
    super(scope, id);
    this.indexNames = (props.indexes ?? []).map((i) => i.name);
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
   * Lets the grantee call these actions on the table's items, and on nothing else: not its
   * indexes (`grantIndexQuery`), not its stream (`grantStreamRead`). As AWS CDK's `Table.grant`.
   */
  grant(grantee: Grantee, actions: DynamoDbAction[], options: GrantOptions = {}): void {
    grantee.addToRolePolicy({ sid: options.sid, actions, resources: [this.arn] });
  }

  /**
   * Lets the grantee update this table's items, naming only the given top-level attributes (its
   * key among them). ForAllValues holds when every attribute a request names is listed
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
   */
  grantUpdate(grantee: Grantee, options: UpdateGrantOptions): void {
    grantee.addToRolePolicy({
      sid: options.sid ?? "UpdatesOnlyItsAttributes",
      actions: ["dynamodb:UpdateItem"],
      resources: [this.arn],
      conditions: { "ForAllValues:StringEquals": { "dynamodb:Attributes": [...options.attributes] } },
    });
  }

  /** Lets the grantee query one of the table's indexes. */
  grantIndexQuery(grantee: Grantee, indexName: string, options: GrantOptions = {}): void {
    if (!this.indexNames.includes(indexName)) {
      throw new Error(`OnDemandTable "${this.node.id}" has no index "${indexName}"`);
    }
    grantee.addToRolePolicy({
      sid: options.sid,
      actions: ["dynamodb:Query"],
      resources: [`${this.arn}/index/${indexName}`],
    });
  }

  /** Lets the grantee read the table's stream, as a Lambda event source mapping does with the function's role. */
  grantStreamRead(grantee: Grantee, options: GrantOptions = {}): void {
    if (!this.table.streamEnabledInput) throw new Error(`OnDemandTable "${this.node.id}" has no stream`);
    grantee.addToRolePolicy({
      sid: options.sid,
      actions: ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"],
      resources: [this.table.streamArn],
    });
  }

  /**
   * Pages when DynamoDB throttles a read or a write of the table in a minute. The alarm sits beside
   * the table as `<id>-throttled`, the suffix of its name: one name in the account, one address.
   */
  addAlarms(alarms: OpsAlarms): void {
    const throttleEvents = (id: string, metricName: string) => ({
      id,
      metric: {
        namespace: "AWS/DynamoDB",
        metricName,
        dimensions: { TableName: this.name },
        period: 60,
        stat: "Sum",
      },
    });
    alarms.add(this.node.scope!, `${this.node.id}-throttled`, {
      metricQuery: [
        {
          id: "throttled",
          expression: "FILL(reads, 0) + FILL(writes, 0)",
          label: "Throttled reads and writes",
          returnData: true,
        },
        throttleEvents("reads", "ReadThrottleEvents"),
        throttleEvents("writes", "WriteThrottleEvents"),
      ],
      threshold: 0,
      alarmDescription: `DynamoDB throttled requests to ${this.node.id}`,
    });
  }

  get arn(): string {
    return this.table.arn;
  }

  get name(): string {
    return this.table.name;
  }
}
