import { Fn, Testing, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DynamodbTable } from "@cdktf/provider-aws/lib/dynamodb-table";
import { LambdaEventSourceMapping } from "@cdktf/provider-aws/lib/lambda-event-source-mapping";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { SqsQueue } from "@cdktf/provider-aws/lib/sqs-queue";
import { loadPlan, LOCAL_STREAM_LABEL, PlanError } from "../../../local/plan/plan";
import { TerraformPlan } from "../../../local/plan/synth-plan";

const account = {
  region: "us-east-1",
  accountId: "000000000000",
  sqsEndpoint: "http://sqs.local:4566",
  apiEndpoint: "http://localhost:3000",
};
const ordersStreamArn = `arn:aws:dynamodb:us-east-1:000000000000:table/orders/stream/${LOCAL_STREAM_LABEL}`;

/** A table with a stream, a relay fed by it as the outbox stack declares it, and a queue consumer. */
function synthesized(): TerraformPlan {
  const stack = new TerraformStack(Testing.app(), "streams");
  new AwsProvider(stack, "aws", { region: "us-east-1" });
  const table = new DynamodbTable(stack, "orders", {
    name: "orders",
    billingMode: "PAY_PER_REQUEST",
    hashKey: "orderId",
    attribute: [{ name: "orderId", type: "S" }],
    serverSideEncryption: { enabled: true },
    streamEnabled: true,
    streamViewType: "NEW_IMAGE",
  });
  const fn = (id: string, environment?: Record<string, string>) =>
    new LambdaFunction(stack, id, {
      functionName: id,
      role: "arn:aws:iam::000000000000:role/r",
      runtime: "nodejs24.x",
      handler: "index.handler",
      filename: `${id}.zip`,
      sourceCodeHash: "HASH",
      ...(environment ? { environment: { variables: environment } } : {}),
    });
  const relay = fn("relay", { STREAM: table.streamArn });
  new LambdaEventSourceMapping(stack, "relay-source", {
    eventSourceArn: table.streamArn,
    functionName: relay.arn,
    startingPosition: "TRIM_HORIZON",
    batchSize: 10,
    maximumBatchingWindowInSeconds: 1,
    bisectBatchOnFunctionError: true,
    maximumRetryAttempts: -1,
    maximumRecordAgeInSeconds: -1,
    functionResponseTypes: ["ReportBatchItemFailures"],
    filterCriteria: {
      filter: [
        {
          pattern: Fn.jsonencode({
            eventName: ["INSERT", "MODIFY"],
            dynamodb: { NewImage: { unpublished: { SS: ["OrderPlaced", "OrderCancelled", "OrderRejected"] } } },
          }),
        },
        { pattern: Fn.jsonencode({ dynamodb: { SizeBytes: [{ numeric: [">", 1000] }] } }) },
      ],
    },
  });
  const queue = new SqsQueue(stack, "billing-queue", { name: "billing" });
  new LambdaEventSourceMapping(stack, "billing-source", {
    eventSourceArn: queue.arn,
    functionName: fn("billing").arn,
    batchSize: 5,
    functionResponseTypes: ["ReportBatchItemFailures"],
  });
  return JSON.parse(Testing.synth(stack)) as TerraformPlan;
}

const base = synthesized();
const copy = (): TerraformPlan => JSON.parse(JSON.stringify(base)) as TerraformPlan;
const resources = (plan: TerraformPlan, type: string) => plan.resource![type];
const relaySource = (plan: TerraformPlan) => resources(plan, "aws_lambda_event_source_mapping")["relay-source"];
const ordersTable = (plan: TerraformPlan) => resources(plan, "aws_dynamodb_table").orders;

/** The plan with the relay's mapping changed; answers what loading it throws or gives. */
function withRelay(change: (mapping: Record<string, unknown>) => void): () => ReturnType<typeof loadPlan> {
  const plan = copy();
  change(relaySource(plan));
  return () => loadPlan(plan, account);
}

describe("the plan loader on table streams", () => {
  it("creates the table's stream and resolves stream_arn to a fixed local ARN", () => {
    const model = loadPlan(copy(), account);
    expect(model.tables).toEqual([
      {
        address: "aws_dynamodb_table.orders",
        name: "orders",
        partitionKey: "orderId",
        partitionKeyType: "S",
        indexes: [],
        stream: "NEW_IMAGE",
        streamArn: ordersStreamArn,
      },
    ]);
    expect(model.functions.find((f) => f.name === "relay")!.environment.STREAM).toBe(ordersStreamArn);
  });

  it("models a mapping on a stream with every argument honoured, apart from the queue mappings", () => {
    const model = loadPlan(copy(), account);
    expect(model.eventSources.map((s) => s.queueName)).toEqual(["billing"]);
    expect(model.streamSources).toEqual([
      {
        address: "aws_lambda_event_source_mapping.relay-source",
        functionName: "relay",
        tableName: "orders",
        streamArn: ordersStreamArn,
        batchSize: 10,
        maxBatchingWindowSeconds: 1,
        startingPosition: "TRIM_HORIZON",
        filters: [
          {
            eventName: [
              { kind: "equals", value: "INSERT" },
              { kind: "equals", value: "MODIFY" },
            ],
            dynamodb: {
              NewImage: {
                unpublished: {
                  SS: [
                    { kind: "equals", value: "OrderPlaced" },
                    { kind: "equals", value: "OrderCancelled" },
                    { kind: "equals", value: "OrderRejected" },
                  ],
                },
              },
            },
          },
          { dynamodb: { SizeBytes: [{ kind: "numeric", conditions: [[">", 1000]] }] } },
        ],
        bisectOnError: true,
        maxRetryAttempts: -1,
        maxRecordAgeSeconds: -1,
        reportBatchItemFailures: true,
      },
    ]);
  });

  it("applies AWS's defaults to a mapping that sets only what a stream requires", () => {
    const load = withRelay((m) => {
      for (const key of Object.keys(m)) {
        if (!["//", "event_source_arn", "function_name", "starting_position"].includes(key)) delete m[key];
      }
      m.starting_position = "LATEST";
    });
    expect(load().streamSources[0]).toMatchObject({
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      startingPosition: "LATEST",
      filters: [],
      bisectOnError: false,
      maxRetryAttempts: -1,
      maxRecordAgeSeconds: -1,
      reportBatchItemFailures: false,
    });
  });

  it("reads filter_criteria written as a list of blocks too, and the limits' own values", () => {
    const load = withRelay((m) => {
      m.filter_criteria = [{ filter: [{ pattern: '{"eventName": ["INSERT"]}' }] }];
      Object.assign(m, {
        batch_size: 10000,
        maximum_retry_attempts: 0,
        maximum_record_age_in_seconds: 60,
        parallelization_factor: 1,
        tumbling_window_in_seconds: 0,
        maximum_batching_window_in_seconds: 300,
        enabled: true,
      });
    });
    expect(load().streamSources[0]).toMatchObject({
      batchSize: 10000,
      maxBatchingWindowSeconds: 300,
      maxRetryAttempts: 0,
      maxRecordAgeSeconds: 60,
      filters: [{ eventName: [{ kind: "equals", value: "INSERT" }] }],
    });
  });

  const address = "aws_lambda_event_source_mapping.relay-source";
  it.each([
    [
      "AT_TIMESTAMP",
      { starting_position: "AT_TIMESTAMP" },
      `${address}: starting_position AT_TIMESTAMP is not supported for a DynamoDB stream (TRIM_HORIZON or LATEST)`,
    ],
    [
      "no starting position",
      { starting_position: undefined },
      `${address}: starting_position (none) is not supported for a DynamoDB stream (TRIM_HORIZON or LATEST)`,
    ],
    [
      "a parallelization factor",
      { parallelization_factor: 2 },
      `${address}: parallelization_factor 2 is not supported locally (the local poller runs one batch per shard at a time)`,
    ],
    [
      "a tumbling window",
      { tumbling_window_in_seconds: 60 },
      `${address}: tumbling_window_in_seconds 60 is not supported locally (no tumbling windows locally)`,
    ],
    [
      "too long a batching window",
      { maximum_batching_window_in_seconds: 301 },
      `${address}: maximum_batching_window_in_seconds must be 0 to 300, got 301`,
    ],
    [
      "a negative batching window",
      { maximum_batching_window_in_seconds: -1 },
      `${address}: maximum_batching_window_in_seconds must be 0 to 300, got -1`,
    ],
    [
      "a batching window of part of a second",
      { maximum_batching_window_in_seconds: 1.5 },
      `${address}: maximum_batching_window_in_seconds must be 0 to 300, got 1.5`,
    ],
    [
      "a destination that is not a queue of the plan",
      { destination_config: { on_failure: { destination_arn: "arn:aws:sqs:us-east-1:000000000000:x" } } },
      `${address}: on_failure destination arn:aws:sqs:us-east-1:000000000000:x is not a queue of this plan`,
    ],

    [
      "an AT_TIMESTAMP time",
      { starting_position_timestamp: "2025-01-01T00:00:00Z" },
      `${address}: argument starting_position_timestamp is not supported locally`,
    ],
    ["too large a batch", { batch_size: 10001 }, `${address}: batch_size must be 1 to 10000, got 10001`],
    [
      "too many retries",
      { maximum_retry_attempts: 10001 },
      `${address}: maximum_retry_attempts must be -1 or 0 to 10000, got 10001`,
    ],
    [
      "too short a record age",
      { maximum_record_age_in_seconds: 30 },
      `${address}: maximum_record_age_in_seconds must be -1 or 60 to 604800, got 30`,
    ],
    [
      "another response type",
      { function_response_types: ["Other"] },
      `${address}: function response type "Other" is not supported locally`,
    ],
    ["a disabled mapping", { enabled: false }, `${address}: enabled = false is not supported locally`],
    [
      "an operator the filter does not implement",
      { filter_criteria: { filter: [{ pattern: '{"eventName": [{"wildcard": "IN*"}]}' }] } },
      `${address}: filter_criteria filter 1: eventName: operator "wildcard" is not supported locally (supported: exists, prefix, anything-but, numeric and exact values)`,
    ],
  ])("refuses %s, naming the mapping and the argument", (_what, change, message) => {
    const load = withRelay((m) => {
      for (const [key, value] of Object.entries(change)) {
        if (value === undefined) delete m[key];
        else m[key] = value;
      }
    });
    expect(load).toThrow(new PlanError(message));
  });

  it("sends given-up batches to a standard queue of the plan, and refuses a FIFO one as Lambda does", () => {
    const destination = { on_failure: { destination_arn: "arn:aws:sqs:us-east-1:000000000000:billing" } };
    const standard = withRelay((m) => (m.destination_config = destination));
    expect(standard().streamSources[0].onFailureQueue).toBe("billing");
    const fifo = copy();
    resources(fifo, "aws_sqs_queue")["billing-queue"].fifo_queue = true;
    relaySource(fifo).destination_config = destination;
    expect(() => loadPlan(fifo, account)).toThrow(
      new PlanError(
        "aws_lambda_event_source_mapping.relay-source: on_failure destination billing is a FIFO queue; Lambda takes a standard one",
      ),
    );
  });

  it("refuses a stream argument or a batching window on a queue mapping, and a mapping on a table without a stream", () => {
    const onQueue = copy();
    resources(onQueue, "aws_lambda_event_source_mapping")["billing-source"].bisect_batch_on_function_error = true;
    expect(() => loadPlan(onQueue, account)).toThrow(
      new PlanError(
        "aws_lambda_event_source_mapping.billing-source: argument bisect_batch_on_function_error is not supported locally",
      ),
    );
    const windowed = copy();
    resources(windowed, "aws_lambda_event_source_mapping")["billing-source"].maximum_batching_window_in_seconds = 1;
    expect(() => loadPlan(windowed, account)).toThrow(
      new PlanError(
        "aws_lambda_event_source_mapping.billing-source: maximum_batching_window_in_seconds 1 is not supported locally (the local queue poller invokes as soon as messages arrive)",
      ),
    );
    const noStream = copy();
    delete ordersTable(noStream).stream_enabled;
    delete ordersTable(noStream).stream_view_type;
    expect(() => loadPlan(noStream, account)).toThrow(
      "aws_dynamodb_table.orders.stream_arn has no value: the table has no stream (stream_enabled is not true)",
    );
  });

  it("refuses a stream without a view type, a view type without a stream, and table arguments it cannot honour", () => {
    const refusal = (change: (table: Record<string, unknown>) => void) => {
      const plan = copy();
      change(ordersTable(plan));
      return () => loadPlan(plan, account);
    };
    expect(refusal((t) => delete t.stream_view_type)).toThrow(
      "aws_dynamodb_table.orders: stream_enabled needs stream_view_type (one of NEW_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY, OLD_IMAGE), got none",
    );
    expect(refusal((t) => (t.stream_enabled = false))).toThrow(
      "aws_dynamodb_table.orders: stream_view_type NEW_IMAGE without stream_enabled = true",
    );
    expect(refusal((t) => (t.range_key = "sk"))).toThrow(
      "aws_dynamodb_table.orders: argument range_key is not supported locally",
    );
    expect(refusal((t) => (t.billing_mode = "PROVISIONED"))).toThrow(
      "aws_dynamodb_table.orders: billing_mode PROVISIONED is not supported locally (PAY_PER_REQUEST is)",
    );
    expect(refusal((t) => (t.attribute = [...(t.attribute as unknown[]), { name: "sk", type: "S" }]))).toThrow(
      "aws_dynamodb_table.orders: attribute sk is neither the partition key nor an index key; no sort key is supported locally",
    );
    const index = { name: "by-since", hash_key: "shard", range_key: "since", projection_type: "KEYS_ONLY" };
    const withIndex = (more: Record<string, unknown>) => (t: Record<string, unknown>) => {
      t.attribute = [...(t.attribute as unknown[]), { name: "shard", type: "S" }, { name: "since", type: "S" }];
      t.global_secondary_index = [{ ...index, ...more }];
    };
    expect(refusal(withIndex({ projection_type: "INCLUDE" }))).toThrow(
      "aws_dynamodb_table.orders: index by-since projects INCLUDE; KEYS_ONLY and ALL are supported locally",
    );
    expect(refusal(withIndex({ range_key: "missing" }))).toThrow(
      "aws_dynamodb_table.orders: index by-since has key missing, which no attribute declares",
    );
    expect(refusal(withIndex({ non_key_attributes: ["x"] }))).toThrow(
      "aws_dynamodb_table.orders index by-since: argument non_key_attributes is not supported locally",
    );
  });

  it("creates a table's global secondary indexes with their keys and projection", () => {
    const plan = copy();
    const table = plan.resource!.aws_dynamodb_table.orders;
    table.attribute = [...(table.attribute as unknown[]), { name: "shard", type: "S" }, { name: "since", type: "S" }];
    table.global_secondary_index = [
      { name: "by-since", hash_key: "shard", range_key: "since", projection_type: "KEYS_ONLY" },
    ];
    expect(loadPlan(plan, account).tables[0].indexes).toEqual([
      {
        name: "by-since",
        partitionKey: { name: "shard", type: "S" },
        sortKey: { name: "since", type: "S" },
        projection: "KEYS_ONLY",
      },
    ]);
  });
});
