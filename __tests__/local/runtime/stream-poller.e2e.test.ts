/**
 * The stream poller against a real DynamoDB Local (only it, on a free port), with a stand-in
 * function that records every batch it is given and fails as each test scripts it.
 */
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from "aws-lambda";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  _Record,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from "@aws-sdk/client-dynamodb-streams";
import { mockClient } from "aws-sdk-client-mock";
import { Emulator, freePort, startDynamoDbLocal } from "../../../local/emulation/emulators";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../../contract/local-endpoints";
import { parseFilterPattern } from "../../../local/plan/event-filter";
import { LocalStreamSource, LOCAL_STREAM_LABEL } from "../../../local/plan/plan";
import {
  localStreamsClient,
  StreamBatchReport,
  StreamPoller,
  StreamPollerOptions,
} from "../../../local/runtime/stream-poller";

const FAST = { pollIntervalMs: 20, discoverIntervalMs: 100, retryBaseMs: 10, retryMaxMs: 40 };

let emulator: Emulator;
let dynamodb: DynamoDBClient;
let streams: DynamoDBStreamsClient;
const pollers: StreamPoller[] = [];

beforeAll(async () => {
  emulator = await startDynamoDbLocal(await freePort());
  dynamodb = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: emulator.endpoint });
  streams = localStreamsClient(emulator.endpoint);
}, 30_000);

afterEach(async () => {
  await Promise.all(pollers.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  dynamodb?.destroy();
  streams?.destroy();
  await emulator?.stop();
});

let tables = 0;
/** A new table with a stream of new images; answers its name. */
async function table(): Promise<string> {
  const name = `stream-test-${++tables}`;
  await dynamodb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_IMAGE" },
    }),
  );
  return name;
}

/** Writes one item per id, in order; `kind` "skip" for the ids in `skipped`. */
async function write(tableName: string, ids: string[], skipped: string[] = []): Promise<void> {
  for (const id of ids) {
    const kind = skipped.includes(id) ? "skip" : "keep";
    await dynamodb.send(new PutItemCommand({ TableName: tableName, Item: { id: { S: id }, kind: { S: kind } } }));
  }
}

const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function source(tableName: string, settings: Partial<LocalStreamSource> = {}): LocalStreamSource {
  return {
    address: `aws_lambda_event_source_mapping.${tableName}`,
    functionName: "relay",
    tableName,
    streamArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${tableName}/stream/${LOCAL_STREAM_LABEL}`,
    batchSize: 100,
    maxBatchingWindowSeconds: 0,
    startingPosition: "TRIM_HORIZON",
    filters: [],
    bisectOnError: false,
    maxRetryAttempts: -1,
    maxRecordAgeSeconds: -1,
    reportBatchItemFailures: false,
    ...settings,
  };
}

/** What the stand-in function was given: the ids of each batch, and those of the batches it took. */
interface Recorded {
  batches: string[][];
  succeeded: string[];
  reports: StreamBatchReport[];
  events: DynamoDBStreamEvent[];
}

/**
 * Runs a poller whose function answers with `respond` (throw to fail the invocation), and
 * records what it got; a batch that did not throw counts as taken.
 */
function run(
  settings: LocalStreamSource,
  respond: (batch: string[], call: number, event: DynamoDBStreamEvent) => DynamoDBBatchResponse | undefined = () =>
    undefined,
  options: Partial<StreamPollerOptions> = {},
): { recorded: Recorded; poller: StreamPoller } {
  const recorded: Recorded = { batches: [], succeeded: [], reports: [], events: [] };
  const poller = new StreamPoller(settings, {
    dynamodb,
    streams,
    timing: FAST,
    report: (r) => recorded.reports.push(r),
    invoke: (event) => {
      const batch = event.Records.map((r) => r.dynamodb!.Keys!.id.S!);
      recorded.batches.push(batch);
      recorded.events.push(event);
      const response = respond(batch, recorded.batches.length, event);
      const failedFrom = response?.batchItemFailures.length
        ? event.Records.findIndex((r) => r.dynamodb!.SequenceNumber === response.batchItemFailures[0].itemIdentifier)
        : batch.length;
      recorded.succeeded.push(...batch.slice(0, failedFrom));
      return Promise.resolve(response);
    },
    ...options,
  });
  pollers.push(poller);
  poller.start();
  return { recorded, poller };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The function throws while `fails(batch, call)` says so. */
const throwing =
  (fails: (batch: string[], call: number) => boolean) =>
  (batch: string[], call: number): undefined => {
    if (fails(batch, call)) throw new Error(`fails on call ${call}`);
    return undefined;
  };

describe("the stream poller on DynamoDB Local", () => {
  it("delivers matching records in order, in batches of at most batch_size, as Lambda shapes them", async () => {
    const name = await table();
    const written = ids("a", 11);
    const skipped = ["a2", "a5", "a6"];
    await write(name, written, skipped);
    const { recorded, poller } = run(
      source(name, {
        batchSize: 3,
        filters: [parseFilterPattern('{"dynamodb": {"NewImage": {"kind": {"S": ["keep"]}}}}')],
      }),
    );
    const kept = written.filter((id) => !skipped.includes(id));
    await until(() => recorded.succeeded.length === kept.length, "every kept record");
    expect(recorded.succeeded).toEqual(kept);
    expect(recorded.batches.every((b) => b.length <= 3)).toBe(true);
    expect(poller.stats).toMatchObject({ delivered: 8, filteredOut: 3, failedInvocations: 0, discarded: 0 });

    const [first] = recorded.events[0].Records;
    expect(first).toEqual({
      eventID: expect.any(String),
      eventName: "INSERT",
      eventVersion: "1.1",
      eventSource: "aws:dynamodb",
      awsRegion: "us-east-1",
      dynamodb: {
        ApproximateCreationDateTime: expect.any(Number),
        Keys: { id: { S: "a0" } },
        NewImage: { id: { S: "a0" }, kind: { S: "keep" } },
        SequenceNumber: expect.any(String),
        SizeBytes: expect.any(Number),
        StreamViewType: "NEW_IMAGE",
      },
      eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}/stream/${LOCAL_STREAM_LABEL}`,
    });
    expect(recorded.reports.every((r) => r.outcome === "delivered" && !r.failed)).toBe(true);
  });

  it("retries a batch whose function throws, from the same records, until it succeeds: each taken once", async () => {
    const name = await table();
    await write(name, ids("b", 4));
    const { recorded } = run(
      source(name, { batchSize: 4 }),
      throwing((_, call) => call <= 3),
    );
    await until(() => recorded.succeeded.length === 4, "the batch to succeed");
    expect(recorded.batches).toEqual(Array.from({ length: 4 }, () => ids("b", 4)));
    expect(recorded.succeeded).toEqual(ids("b", 4));
    expect(recorded.reports.map((r) => r.outcome)).toEqual([
      "FAILED: fails on call 1; retry 1 in 0.01 s",
      "FAILED: fails on call 2; retry 2 in 0.02 s",
      "FAILED: fails on call 3; retry 3 in 0.04 s",
      "delivered",
    ]);
  });

  it("with bisect_batch_on_function_error, splits a failing batch in two and retries each half", async () => {
    const name = await table();
    await write(name, ids("c", 4));
    // c2 fails twice, whatever batch it is in.
    let c2Failures = 0;
    const { recorded } = run(
      source(name, { batchSize: 4, bisectOnError: true }),
      throwing((batch) => batch.includes("c2") && ++c2Failures <= 2),
    );
    await until(() => recorded.succeeded.length === 4, "every record");
    expect(recorded.batches).toEqual([["c0", "c1", "c2", "c3"], ["c0", "c1"], ["c2", "c3"], ["c2"], ["c3"]]);
    expect(recorded.succeeded).toEqual(ids("c", 4));
  });

  it("with ReportBatchItemFailures, retries from the lowest failed record; a bad response fails the batch", async () => {
    const name = await table();
    await write(name, ids("d", 5));
    const { recorded } = run(source(name, { batchSize: 5, reportBatchItemFailures: true }), (_, call, event) => {
      const seq = (id: string) => event.Records.find((r) => r.dynamodb!.Keys!.id.S === id)!.dynamodb!.SequenceNumber!;
      if (call === 1) return { batchItemFailures: [{ itemIdentifier: seq("d3") }, { itemIdentifier: seq("d2") }] };
      if (call === 2) return { batchItemFailures: [{ itemIdentifier: "not-in-the-batch" }] };
      if (call === 3) return { batchItemFailures: [{ itemId: seq("d4") }] } as unknown as DynamoDBBatchResponse;
      return { batchItemFailures: [] };
    });
    await until(() => recorded.batches.length === 4, "four invocations");
    expect(recorded.batches).toEqual([ids("d", 5), ["d2", "d3", "d4"], ["d2", "d3", "d4"], ["d2", "d3", "d4"]]);
    expect(recorded.reports.map((r) => r.outcome)).toEqual([
      expect.stringMatching(/^FAILED: 3 records from \d+ reported failed; retry 1/),
      "FAILED: itemIdentifier not-in-the-batch is not a record of the batch; retry 2 in 0.02 s",
      "FAILED: a batch item failure has itemIdentifier undefined; retry 3 in 0.04 s",
      "delivered",
    ]);
  });

  it("discards records after maximum_retry_attempts and goes on with the next batch", async () => {
    const name = await table();
    await write(name, ids("e", 4));
    const { recorded, poller } = run(
      source(name, { batchSize: 2, maxRetryAttempts: 1 }),
      throwing((batch) => batch.includes("e1")),
    );
    await until(() => recorded.succeeded.includes("e3"), "the next batch");
    expect(recorded.batches).toEqual([
      ["e0", "e1"],
      ["e0", "e1"],
      ["e2", "e3"],
    ]);
    expect(poller.stats).toMatchObject({ discarded: 2, delivered: 2, failedInvocations: 2 });
    expect(recorded.reports.map((r) => r.outcome)).toEqual([
      "FAILED: fails on call 1; retry 1 in 0.01 s",
      "FAILED: fails on call 2; given up",
      expect.stringMatching(/^DISCARDED 2 records \(\d+\.\.\d+\) after 1 retry; no destination is configured$/),
      "delivered",
    ]);
  });

  it("sends Lambda's invocation record of the records it gives up to the on-failure destination", async () => {
    const name = await table();
    await write(name, ids("g", 3));
    const sent: string[] = [];
    const { recorded } = run(
      source(name, { maxRetryAttempts: 2, onFailureQueue: "failures" }),
      throwing(() => true),
      {
        onFailure: {
          functionArn: "arn:aws:lambda:us-east-1:000000000000:function:relay",
          destination: "failures",
          send: (record) => Promise.resolve(void sent.push(record)),
        },
      },
    );
    await until(() => sent.length === 1, "the invocation record");
    const record = JSON.parse(sent[0]);
    const [first, , last] = recorded.events[0].Records.map((r) => r.dynamodb!.SequenceNumber);
    expect(record).toMatchObject({
      requestContext: {
        functionArn: "arn:aws:lambda:us-east-1:000000000000:function:relay",
        condition: "RetryAttemptsExhausted",
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, functionError: "Unhandled" },
      version: "1.0",
      DDBStreamBatchInfo: {
        shardId: expect.any(String),
        startSequenceNumber: first,
        endSequenceNumber: last,
        batchSize: 3,
        streamArn: source(name).streamArn,
        approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        approximateArrivalOfLastRecord: expect.stringMatching(/Z$/),
      },
    });
    expect(recorded.reports.at(-1)!.outcome).toMatch(
      /^DISCARDED 3 records \(\d+\.\.\d+\) after 2 retries; its invocation record sent to failures$/,
    );
  });

  it("discards records older than maximum_record_age_in_seconds before retrying them", async () => {
    const name = await table();
    await write(name, ids("f", 2));
    let skew = 0;
    const { recorded, poller } = run(
      source(name, { maxRecordAgeSeconds: 60 }),
      throwing(() => {
        skew = 10 * 60_000; // the retry comes ten minutes later
        return true;
      }),
      { now: () => Date.now() + skew },
    );
    await until(() => poller.stats.discarded === 2, "the records to be discarded");
    expect(recorded.batches).toEqual([["f0", "f1"]]);
    expect(recorded.reports.at(-1)!.outcome).toMatch(/^DISCARDED 2 records \(\d+\.\.\d+\) older than 60 s/);
  });

  it("starts at LATEST without the records written before, and stop() ends polling", async () => {
    const name = await table();
    await write(name, ["before"]);
    const { recorded, poller } = run(source(name, { startingPosition: "LATEST" }));
    await until(() => poller.stats.shards === 1, "the shard to be read");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await write(name, ["after"]);
    await until(() => recorded.succeeded.length === 1, "the record written after");
    expect(recorded.succeeded).toEqual(["after"]);

    await poller.stop();
    expect(poller.stats.shards).toBe(0);
    await write(name, ["stopped"]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(recorded.batches).toEqual([["after"]]);
  });

  it("stops promptly while a batch is being retried", async () => {
    const name = await table();
    await write(name, ["g0"]);
    const { recorded, poller } = run(
      source(name),
      throwing(() => true),
      { timing: { ...FAST, retryBaseMs: 60_000, retryMaxMs: 60_000 } },
    );
    await until(() => recorded.batches.length === 1, "the first attempt");
    const started = Date.now();
    await poller.stop();
    // Promptly: without waiting out the 60 s backoff (half of it is no machine's slowness).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(recorded.batches).toHaveLength(1);
  });
});

describe("the stream poller's batching window", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("delivers records written within the window in one invocation, and a lone record once it has passed", async () => {
    const name = await table();
    const { recorded, poller } = run(source(name, { maxBatchingWindowSeconds: 2 }));
    await until(() => poller.stats.shards === 1, "the shard to be read");
    await write(name, ids("w", 5));
    await until(() => recorded.batches.length === 1, "the window's batch");
    expect(recorded.batches).toEqual([ids("w", 5)]);

    const written = Date.now();
    await write(name, ["lone"]);
    await sleep(1000);
    expect(recorded.batches).toHaveLength(1); // half the window: still gathering
    await until(() => recorded.batches.length === 2, "the lone record", 15_000);
    // Never before the window has passed since it was read (so since it was written).
    expect(Date.now() - written).toBeGreaterThanOrEqual(1900);
    expect(recorded.batches[1]).toEqual(["lone"]);
  });

  it("delivers a full batch without waiting for the window, and retries a failed one at once", async () => {
    const name = await table();
    const { recorded } = run(
      source(name, { batchSize: 3, maxBatchingWindowSeconds: 300 }),
      throwing((_, call) => call === 1),
    );
    await write(name, ids("x", 4));
    await until(() => recorded.succeeded.length === 3, "the full batch, retried", 15_000);
    expect(recorded.batches).toEqual([ids("x", 3), ids("x", 3)]);
    await sleep(500);
    expect(recorded.batches).toHaveLength(2); // x3 waits for its window
  });
});

/** Stand-in clients for a table whose stream is `table`'s: the test scripts its shards and records. */
function standInClients(table: string) {
  const tableClient = new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const streamClient = new DynamoDBStreamsClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  mockClient(tableClient)
    .on(DescribeTableCommand)
    .resolves({ Table: { LatestStreamArn: `arn:aws:dynamodb:ddblocal:000000000000:table/${table}/stream/x` } });
  return { tableClient, streamClient, streamsMock: mockClient(streamClient) };
}

describe("the stream poller across shards", () => {
  // DynamoDB Local keeps one shard; a split is played by stand-in clients: a closed parent shard
  // with two records, and its child, already listed, with one.
  const record = (id: string, sequence: string): _Record => ({
    eventID: sequence,
    eventName: "INSERT",
    dynamodb: { Keys: { id: { S: id } }, SequenceNumber: sequence, SizeBytes: 10, StreamViewType: "KEYS_ONLY" },
  });

  it("reads a parent shard to its end before its child", async () => {
    const { tableClient, streamClient, streamsMock } = standInClients("split");
    const reads: string[] = [];
    streamsMock.on(DescribeStreamCommand).resolves({
      StreamDescription: {
        Shards: [
          { ShardId: "child", ParentShardId: "parent", SequenceNumberRange: { StartingSequenceNumber: "3" } },
          {
            ShardId: "parent",
            SequenceNumberRange: { StartingSequenceNumber: "1", EndingSequenceNumber: "2" },
          },
        ],
      },
    });
    streamsMock.on(GetShardIteratorCommand).callsFake((input: { ShardId: string }) => ({
      ShardIterator: `${input.ShardId}:0`,
    }));
    streamsMock.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => {
      reads.push(input.ShardIterator);
      if (input.ShardIterator === "parent:0") return { Records: [record("p1", "1")], NextShardIterator: "parent:1" };
      if (input.ShardIterator === "parent:1") return { Records: [record("p2", "2")] }; // closed: no next iterator
      return { Records: input.ShardIterator === "child:0" ? [record("c1", "3")] : [], NextShardIterator: "child:1" };
    });
    const delivered: string[] = [];
    const poller = new StreamPoller(source("split", { batchSize: 1 }), {
      dynamodb: tableClient,
      streams: streamClient,
      timing: FAST,
      invoke: (event) => {
        delivered.push(...event.Records.map((r) => r.dynamodb!.Keys!.id.S!));
        return Promise.resolve(undefined);
      },
    });
    pollers.push(poller);
    poller.start();
    await until(() => delivered.length === 3, "the three records");
    expect(delivered).toEqual(["p1", "p2", "c1"]);
    expect(reads.slice(0, 3)).toEqual(["parent:0", "parent:1", "child:0"]);
  });
});

describe("the stream poller's payload limit", () => {
  it("cuts a batch short before Lambda's 6 MB payload, without waiting for the window", async () => {
    const { tableClient, streamClient, streamsMock } = standInClients("big");
    streamsMock.on(DescribeStreamCommand).resolves({ StreamDescription: { Shards: [{ ShardId: "only" }] } });
    streamsMock.on(GetShardIteratorCommand).resolves({ ShardIterator: "only:0" });
    // Five records of 2.5 MB: two fit in 6 MB, three do not; the fifth waits for the window.
    const big = (id: string, sequence: string): _Record => ({
      eventName: "INSERT",
      dynamodb: {
        Keys: { id: { S: id } },
        NewImage: { id: { S: id }, body: { S: "x".repeat(2_500_000) } },
        SequenceNumber: sequence,
      },
    });
    streamsMock.on(GetRecordsCommand).callsFake((input: { ShardIterator: string }) => ({
      Records: input.ShardIterator === "only:0" ? ["1", "2", "3", "4", "5"].map((n) => big(`r${n}`, n)) : [],
      NextShardIterator: "only:1",
    }));
    const batches: string[][] = [];
    const poller = new StreamPoller(source("big", { maxBatchingWindowSeconds: 300 }), {
      dynamodb: tableClient,
      streams: streamClient,
      timing: FAST,
      invoke: (event) => {
        batches.push(event.Records.map((r) => r.dynamodb!.Keys!.id.S!));
        return Promise.resolve(undefined);
      },
    });
    pollers.push(poller);
    poller.start();
    await until(() => batches.length === 2, "two batches");
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(batches).toEqual([
      ["r1", "r2"],
      ["r3", "r4"],
    ]);
  });
});
