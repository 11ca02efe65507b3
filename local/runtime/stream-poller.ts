/**
 * One poller per event source mapping on a DynamoDB table's stream, with Lambda's semantics for
 * DynamoDB streams (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html), against DynamoDB
 * Local's stream API:
 *
 * - every shard is read on its own, a parent shard to its end before its children; the shards that
 *   exist at start begin at the mapping's starting position, shards that appear later at their start;
 * - GetRecords about 4 times a second per shard; records that match none of the mapping's filters
 *   are skipped (never delivered, never retried); the rest go to the function in order, in batches
 *   of at most batch_size, one batch at a time per shard, as Lambda shapes them;
 * - a batch is delivered once full (batch_size, or the next record would take it past Lambda's 6 MB
 *   payload), at the shard's end, or once maximum_batching_window_in_seconds has passed since its
 *   first record was read or, if later, since the shard's previous invocation ended ("the next
 *   batching window begins as soon as the previous function invocation completes":
 *   https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html); a failed
 *   batch's retries do not wait for it;
 * - a failed batch blocks its shard and is retried, with a backoff doubling up to a few seconds:
 *   from the first failed record when the function names it (ReportBatchItemFailures), else whole,
 *   or split in two when bisect_batch_on_function_error is set and the function failed;
 * - a record is discarded, with a line saying so, once it has failed more than
 *   maximum_retry_attempts retries or is older than maximum_record_age_in_seconds (-1 for either:
 *   until it leaves the stream after 24 hours); with an on-failure destination, Lambda's
 *   invocation record for it (where it was in the stream, not its data) is sent there first
 *   (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html).
 *
 * A retry counts for every record of the failed invocation: a record is never in more than
 * 1 + maximum_retry_attempts invocations, whether its batch was split or not.
 */
import { randomUUID } from "node:crypto";
import type {
  AttributeValue as LambdaAttributeValue,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  StreamRecord as LambdaStreamRecord,
} from "aws-lambda";
import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  _Record,
  AttributeValue,
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  Shard,
  ShardIteratorType,
  TrimmedDataAccessException,
} from "@aws-sdk/client-dynamodb-streams";
import { matchesAnyFilter } from "../plan/event-filter";
import { LocalStreamSource } from "../plan/plan";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../contract/local-endpoints";

/** How long DynamoDB Streams keeps a record: what "-1, until the record expires" means. */
const STREAM_RETENTION_SECONDS = 24 * 60 * 60;
/** DynamoDB Local rounds ApproximateCreationDateTime down to the minute. */
const CREATION_TIME_PRECISION_MS = 60_000;
/** Lambda's limit on a synchronous invocation's payload. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface StreamTiming {
  /** Pause after an empty GetRecords: Lambda polls a shard about 4 times a second. */
  pollIntervalMs: number;
  /** How often the stream's shards are listed to find new ones. */
  discoverIntervalMs: number;
  /** First retry delay of a failed batch; it doubles with each retry... */
  retryBaseMs: number;
  /** ...up to this, so that a failure that ends is noticed within seconds. */
  retryMaxMs: number;
}
export const DEFAULT_STREAM_TIMING: StreamTiming = {
  pollIntervalMs: 250,
  discoverIntervalMs: 1000,
  retryBaseMs: 250,
  retryMaxMs: 4000,
};

/** One invocation's end, or records given up: one console line each. */
export interface StreamBatchReport {
  records: number;
  outcome: string;
  ms: number;
  failed: boolean;
}

export interface StreamPollerStats {
  /** Shards being read now. */
  shards: number;
  /** Invocations, successful or not. */
  batches: number;
  /** Records the function took (a successful batch, or the records before a reported failure). */
  delivered: number;
  /** Records no filter matched. */
  filteredOut: number;
  failedInvocations: number;
  /** Records given up after their retries or past their maximum age. */
  discarded: number;
  /** Age of the last record delivered when it was delivered (Lambda's IteratorAge metric). */
  iteratorAgeMs: number;
}

export interface StreamPollerOptions {
  /** For DescribeTable: the table's latest stream. */
  dynamodb: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  /** Runs the function; throws when the invocation failed. */
  invoke: (event: DynamoDBStreamEvent) => Promise<unknown>;
  /**
   * Called before each stream call the mapping makes, with its operation (ListStreams and
   * DescribeStream, which Lambda checks on the stream, GetShardIterator, GetRecords): throws as
   * DynamoDB would when the function's role may not.
   */
  authorize?: (operation: string) => void;
  report?: (batch: StreamBatchReport) => void;
  /** The mapping's on-failure destination: sends an invocation record (JSON) there, as the function's role. */
  onFailure?: { functionArn: string; destination: string; send: (record: string) => Promise<void> };
  timing?: Partial<StreamTiming>;
  /** The clock, in ms (tests). */
  now?: () => number;
}

/** A stream client with the credentials DynamoDB Local accepts; its streams share the table endpoint. */
export function localStreamsClient(dynamodbEndpoint: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: dynamodbEndpoint,
  });
}

function lambdaAttribute(value: AttributeValue): LambdaAttributeValue {
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
  if (value.B !== undefined) return { B: base64(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(base64) };
  if (value.L !== undefined) return { L: value.L.map(lambdaAttribute) };
  if (value.M !== undefined) return { M: lambdaImage(value.M) };
  // S, N, SS, NS, BOOL and NULL read the same in JSON; only the one that is set is kept.
  const { S, N, SS, NS, BOOL, NULL } = value;
  return Object.fromEntries(Object.entries({ S, N, SS, NS, BOOL, NULL }).filter(([, v]) => v !== undefined));
}

function lambdaImage(image: Record<string, AttributeValue>): Record<string, LambdaAttributeValue> {
  return Object.fromEntries(Object.entries(image).map(([name, value]) => [name, lambdaAttribute(value)]));
}

/** A stream record as Lambda delivers it: binary values in base64, times in epoch seconds. */
export function lambdaStreamRecord(record: _Record, eventSourceArn: string): DynamoDBRecord {
  const d = record.dynamodb ?? {};
  const dynamodb: LambdaStreamRecord = {
    ...(d.ApproximateCreationDateTime
      ? { ApproximateCreationDateTime: d.ApproximateCreationDateTime.getTime() / 1000 }
      : {}),
    Keys: lambdaImage(d.Keys ?? {}),
    ...(d.NewImage ? { NewImage: lambdaImage(d.NewImage) } : {}),
    ...(d.OldImage ? { OldImage: lambdaImage(d.OldImage) } : {}),
    SequenceNumber: d.SequenceNumber,
    SizeBytes: d.SizeBytes,
    StreamViewType: d.StreamViewType,
  };
  return {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: LOCAL_REGION,
    dynamodb,
    eventSourceARN: eventSourceArn,
    ...(record.userIdentity
      ? { userIdentity: { type: record.userIdentity.Type, principalId: record.userIdentity.PrincipalId } }
      : {}),
  };
}

/** A record read from a shard, with when it was written as closely as the stream tells. */
export interface Entry {
  record: DynamoDBRecord;
  writtenAt: number;
}

/** A record waiting for its batch: when it was read, and its size in the invocation's payload. */
interface Pending extends Entry {
  readAt: number;
  bytes: number;
}

interface ShardState {
  id: string;
  parentId?: string;
  /** Where reading begins: the mapping's starting position for shards found at start. */
  from: "TRIM_HORIZON" | "LATEST";
  /** The last record processed (delivered, discarded or filtered out): reading resumes after it. */
  checkpoint?: string;
  started: boolean;
  done: boolean;
}

/** How one invocation ended, as Lambda reads it. */
type Outcome =
  | { kind: "succeeded" }
  | { kind: "failed"; reason: string }
  /** Records before `from` succeeded; the batch is retried from `from`. */
  | { kind: "partial"; from: number; reason: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const plural = (n: number) => `${n} record${n === 1 ? "" : "s"}`;

export class StreamPoller {
  readonly stats: StreamPollerStats = {
    shards: 0,
    batches: 0,
    delivered: 0,
    filteredOut: 0,
    failedInvocations: 0,
    discarded: 0,
    iteratorAgeMs: 0,
  };
  private readonly abort = new AbortController();
  private readonly timing: StreamTiming;
  private readonly now: () => number;
  private readonly shards = new Map<string, ShardState>();
  private readonly readers: Promise<void>[] = [];
  private discovering?: Promise<void>;
  private streamArn?: string;
  /** Whether the shards were listed once: those found then begin at the mapping's starting position. */
  private listed = false;

  constructor(
    readonly source: LocalStreamSource,
    private readonly options: StreamPollerOptions,
  ) {
    this.timing = { ...DEFAULT_STREAM_TIMING, ...options.timing };
    this.now = options.now ?? Date.now;
  }

  start(): void {
    this.discovering = this.discoverLoop();
  }

  /** Ends polling: no invocation starts after this; one under way is waited for. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.discovering;
    await Promise.all(this.readers);
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      const done = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.abort.signal.addEventListener("abort", done);
    });
  }

  private complain(what: string, error: unknown): void {
    console.error(`stream poller ${this.source.address}: ${what}: ${(error as Error).message}`);
  }

  private async discoverLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.discover();
      } catch (error) {
        if (this.stopped) return;
        this.complain("listing the stream's shards", error);
      }
      await this.sleep(this.timing.discoverIntervalMs);
    }
  }

  /** The table's stream: DynamoDB Local labels it with its creation time, so it is found by table name. */
  private async latestStreamArn(): Promise<string> {
    const { Table } = await this.options.dynamodb.send(new DescribeTableCommand({ TableName: this.source.tableName }), {
      abortSignal: this.abort.signal,
    });
    if (!Table?.LatestStreamArn) throw new Error(`table ${this.source.tableName} has no stream`);
    return Table.LatestStreamArn;
  }

  private async listShards(streamArn: string): Promise<Shard[]> {
    const shards: Shard[] = [];
    let exclusiveStartShardId: string | undefined;
    this.options.authorize?.("ListStreams");
    do {
      this.options.authorize?.("DescribeStream");
      const { StreamDescription } = await this.options.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: exclusiveStartShardId }),
        { abortSignal: this.abort.signal },
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      exclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return shards;
  }

  /** Starts a reader for every shard whose parent is read to its end (or gone from the stream). */
  private async discover(): Promise<void> {
    this.streamArn ??= await this.latestStreamArn();
    for (const shard of await this.listShards(this.streamArn)) {
      if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
      this.shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        from: this.listed ? "TRIM_HORIZON" : this.source.startingPosition,
        started: false,
        done: false,
      });
    }
    this.listed = true;
    for (const shard of this.shards.values()) {
      const parent = shard.parentId ? this.shards.get(shard.parentId) : undefined;
      if (shard.started || this.stopped || (parent && !parent.done)) continue;
      shard.started = true;
      this.readers.push(this.readShard(shard, this.streamArn));
    }
  }

  /** An iterator after the shard's checkpoint, or at its starting position when nothing was processed yet. */
  private async iterator(streamArn: string, shard: ShardState): Promise<string | undefined> {
    this.options.authorize?.("GetShardIterator");
    const { ShardIterator } = await this.options.streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shard.id,
        ...(shard.checkpoint
          ? { ShardIteratorType: ShardIteratorType.AFTER_SEQUENCE_NUMBER, SequenceNumber: shard.checkpoint }
          : { ShardIteratorType: shard.from }),
      }),
      { abortSignal: this.abort.signal },
    );
    return ShardIterator;
  }

  private async readShard(shard: ShardState, streamArn: string): Promise<void> {
    this.stats.shards++;
    try {
      await this.consume(shard, streamArn);
    } catch (error) {
      if (!this.stopped) this.complain(`reading shard ${shard.id}`, error);
      shard.started = false; // the next discovery starts it again, after its checkpoint
    } finally {
      this.stats.shards--;
    }
  }

  /** Reads one shard to its end, delivering each batch before reading on. */
  private async consume(shard: ShardState, streamArn: string): Promise<void> {
    let iterator = await this.iterator(streamArn, shard);
    let lastRead = shard.checkpoint;
    const pending: Pending[] = [];
    /** When the shard's previous invocation ended: no batching window begins before it. */
    let windowFrom = 0;
    while (!this.stopped) {
      const batch = this.nextBatch(pending, windowFrom, iterator === undefined);
      if (batch) {
        await this.deliver(shard.id, batch);
        windowFrom = this.now();
        if (this.stopped) return;
        shard.checkpoint = pending.length > 0 ? batch[batch.length - 1].record.dynamodb?.SequenceNumber : lastRead;
        continue;
      }
      if (iterator === undefined) {
        shard.done = true;
        return;
      }
      let answer;
      try {
        this.options.authorize?.("GetRecords");
        answer = await this.options.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }), {
          abortSignal: this.abort.signal,
        });
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof TrimmedDataAccessException) {
          // Before the first record, DynamoDB Local can refuse a fresh shard's TRIM_HORIZON iterator
          // this way; reading from the horizon again loses nothing then, so only a checkpoint is news.
          if (shard.checkpoint) this.complain(`records after ${shard.checkpoint} left the stream unread`, error);
          Object.assign(shard, { from: "TRIM_HORIZON", checkpoint: undefined });
        } else if (!(error instanceof ExpiredIteratorException)) {
          this.complain(`reading shard ${shard.id}`, error);
          await this.sleep(this.timing.retryMaxMs);
        }
        iterator = await this.iterator(streamArn, shard);
        continue;
      }
      iterator = answer.NextShardIterator;
      const readAt = this.now();
      for (const raw of answer.Records ?? []) {
        lastRead = raw.dynamodb?.SequenceNumber ?? lastRead;
        const record = lambdaStreamRecord(raw, this.source.streamArn);
        if (!matchesAnyFilter(this.source.filters, record)) {
          this.stats.filteredOut++;
          continue;
        }
        const approximate = (record.dynamodb?.ApproximateCreationDateTime ?? readAt / 1000) * 1000;
        const writtenAt = Math.min(approximate + CREATION_TIME_PRECISION_MS, readAt);
        pending.push({ record, writtenAt, readAt, bytes: Buffer.byteLength(JSON.stringify(record)) });
      }
      if (pending.length === 0) shard.checkpoint = lastRead;
      if ((answer.Records ?? []).length === 0 && iterator !== undefined) {
        const windowLeft = pending.length > 0 ? this.windowEnd(pending, windowFrom) - this.now() : Infinity;
        await this.sleep(Math.max(0, Math.min(this.timing.pollIntervalMs, windowLeft)));
      }
    }
  }

  private windowEnd(pending: Pending[], from: number): number {
    return Math.max(pending[0].readAt, from) + this.source.maxBatchingWindowSeconds * 1000;
  }

  /** Takes the next batch off `pending` once Lambda would invoke with it (see the top of this file). */
  private nextBatch(pending: Pending[], windowFrom: number, shardEnded: boolean): Pending[] | undefined {
    if (pending.length === 0) return undefined;
    let size = 1;
    let bytes = pending[0].bytes;
    while (size < Math.min(pending.length, this.source.batchSize) && bytes + pending[size].bytes <= MAX_PAYLOAD_BYTES) {
      bytes += pending[size++].bytes;
    }
    const full = size < pending.length || size === this.source.batchSize;
    if (!full && !shardEnded && this.now() < this.windowEnd(pending, windowFrom)) return undefined;
    return pending.splice(0, size);
  }

  private report(batch: StreamBatchReport): void {
    this.options.report?.(batch);
  }

  private async discard(
    shardId: string,
    entries: Entry[],
    why: { condition: "RetryAttemptsExhausted" | "RecordAgeExceeded"; text: string; invocations: number },
  ): Promise<void> {
    if (entries.length === 0) return;
    this.stats.discarded += entries.length;
    const first = entries[0].record.dynamodb?.SequenceNumber;
    const last = entries[entries.length - 1].record.dynamodb?.SequenceNumber;
    const destination = this.options.onFailure;
    let where = "no destination is configured";
    if (destination) {
      try {
        await destination.send(
          JSON.stringify(invocationRecord(this.source, destination.functionArn, shardId, entries, why)),
        );
        where = `its invocation record sent to ${destination.destination}`;
      } catch (error) {
        where = `its invocation record could not be sent to ${destination.destination}: ${(error as Error).message}`;
      }
    }
    this.report({
      records: entries.length,
      outcome: `DISCARDED ${plural(entries.length)} (${first}..${last}) ${why.text}; ${where}`,
      ms: 0,
      failed: true,
    });
  }

  /** Delivers one batch read from a shard: returns once every record succeeded or was discarded. */
  private async deliver(shardId: string, batch: Entry[]): Promise<void> {
    const { maxRetryAttempts, maxRecordAgeSeconds, bisectOnError } = this.source;
    const maxAgeMs = (maxRecordAgeSeconds === -1 ? STREAM_RETENTION_SECONDS : maxRecordAgeSeconds) * 1000;
    // Still to deliver, in order; `retries`: failed invocations its records were in.
    const work = [{ entries: batch, retries: 0 }];
    while (work.length > 0 && !this.stopped) {
      const { entries, retries } = work[0];
      const fresh = entries.filter((e) => this.now() - e.writtenAt <= maxAgeMs);
      await this.discard(
        shardId,
        entries.filter((e) => !fresh.includes(e)),
        {
          condition: "RecordAgeExceeded",
          text: maxRecordAgeSeconds === -1 ? "after 24 hours in the stream" : `older than ${maxRecordAgeSeconds} s`,
          invocations: retries,
        },
      );
      if (fresh.length === 0) {
        work.shift();
        continue;
      }
      const started = this.now();
      const outcome = await this.invoke(fresh.map((e) => e.record));
      const ms = this.now() - started;
      this.stats.batches++;
      if (outcome.kind === "succeeded") {
        this.delivered(fresh);
        this.report({ records: fresh.length, outcome: "delivered", ms, failed: false });
        work.shift();
        continue;
      }
      this.stats.failedInvocations++;
      const from = outcome.kind === "partial" ? outcome.from : 0;
      this.delivered(fresh.slice(0, from));
      const failed = fresh.slice(from);
      const retry = retries + 1;
      const split = outcome.kind === "failed" && bisectOnError && failed.length > 1;
      const exhausted = maxRetryAttempts !== -1 && retry > maxRetryAttempts;
      const delay = Math.min(this.timing.retryMaxMs, this.timing.retryBaseMs * 2 ** (retry - 1));
      const next = exhausted
        ? "given up"
        : `retry ${retry}${split ? " in halves" : ""} in ${(delay / 1000).toFixed(2)} s`;
      this.report({ records: fresh.length, outcome: `FAILED: ${outcome.reason}; ${next}`, ms, failed: true });
      if (exhausted) {
        await this.discard(shardId, failed, {
          condition: "RetryAttemptsExhausted",
          text: `after ${maxRetryAttempts} ${maxRetryAttempts === 1 ? "retry" : "retries"}`,
          invocations: retry,
        });
        work.shift();
        continue;
      }
      await this.sleep(delay);
      const half = Math.ceil(failed.length / 2);
      work.splice(
        0,
        1,
        ...(split
          ? [
              { entries: failed.slice(0, half), retries: retry },
              { entries: failed.slice(half), retries: retry },
            ]
          : [{ entries: failed, retries: retry }]),
      );
    }
  }

  private delivered(entries: Entry[]): void {
    if (entries.length === 0) return;
    this.stats.delivered += entries.length;
    this.stats.iteratorAgeMs = this.now() - entries[entries.length - 1].writtenAt;
  }

  /** Invokes the function with a batch and reads its answer as Lambda does for a stream. */
  private async invoke(records: DynamoDBRecord[]): Promise<Outcome> {
    let response: unknown;
    try {
      response = await this.options.invoke({ Records: records });
    } catch (error) {
      return { kind: "failed", reason: (error as Error).message };
    }
    if (!this.source.reportBatchItemFailures) return { kind: "succeeded" };
    return batchItemFailures(response, records);
  }
}

/** Lambda's invocation record for records given up, as sent to an on-failure destination. */
export function invocationRecord(
  source: LocalStreamSource,
  functionArn: string,
  shardId: string,
  entries: Entry[],
  why: { condition: string; invocations: number },
) {
  const arrival = (entry: Entry) => new Date(entry.writtenAt).toISOString().replace(/\.\d{3}Z$/, "Z");
  return {
    requestContext: {
      requestId: randomUUID(),
      functionArn,
      condition: why.condition,
      approximateInvokeCount: why.invocations,
    },
    responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
    version: "1.0",
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId,
      startSequenceNumber: entries[0].record.dynamodb?.SequenceNumber,
      endSequenceNumber: entries[entries.length - 1].record.dynamodb?.SequenceNumber,
      approximateArrivalOfFirstRecord: arrival(entries[0]),
      approximateArrivalOfLastRecord: arrival(entries[entries.length - 1]),
      batchSize: entries.length,
      streamArn: source.streamArn,
    },
  };
}

/**
 * A partial batch response for a stream: no response, `{}`, or no or an empty batchItemFailures
 * is a success; a failure names the sequence number from which the batch is retried (the lowest
 * when it names several). A response that is not such an object, or names an empty, missing or
 * unknown identifier, fails the whole batch.
 */
export function batchItemFailures(response: unknown, records: DynamoDBRecord[]): Outcome {
  if (response === undefined || response === null) return { kind: "succeeded" };
  if (!isObject(response))
    return { kind: "failed", reason: `the response ${JSON.stringify(response)} is not an object` };
  const failures = response.batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "succeeded" };
  if (!Array.isArray(failures)) return { kind: "failed", reason: "batchItemFailures is not a list" };
  if (failures.length === 0) return { kind: "succeeded" };
  const positions: number[] = [];
  for (const failure of failures as unknown[]) {
    const id = isObject(failure) ? failure.itemIdentifier : undefined;
    if (typeof id !== "string" || id === "") {
      return { kind: "failed", reason: `a batch item failure has itemIdentifier ${JSON.stringify(id)}` };
    }
    const position = records.findIndex((r) => r.dynamodb?.SequenceNumber === id);
    if (position === -1) return { kind: "failed", reason: `itemIdentifier ${id} is not a record of the batch` };
    positions.push(position);
  }
  const from = Math.min(...positions);
  const sequence = records[from].dynamodb?.SequenceNumber ?? "?";
  return { kind: "partial", from, reason: `${plural(records.length - from)} from ${sequence} reported failed` };
}
