/**
 * The AWS quotas the capacity model and the simulation use, each with the page it comes from
 * (AWS documentation as of 2026; eu-west-1, where every AWS environment of this project runs).
 * `raise` names the quota to ask for in Service Quotas when a design needs more.
 */
export interface Quota {
  readonly value: number;
  readonly unit: string;
  readonly source: string;
  /** The Service Quotas name (and code where AWS gives one), when it can be raised. */
  readonly raise?: string;
}

export const QUOTAS = {
  snsFifoTopicScope: {
    value: 3_000,
    unit: "messages/s per FIFO topic, FifoThroughputScope=Topic",
    source: "https://docs.aws.amazon.com/general/latest/gr/sns.html (3,000 messages/s or 20 MB/s per topic)",
  },
  snsFifoMessageGroupScope: {
    value: 9_000,
    unit: "messages/s published to FIFO topics per account in eu-west-1, FifoThroughputScope=MessageGroup (us-east-1: 30,000)",
    source:
      "https://docs.aws.amazon.com/general/latest/gr/sns.html (Publish API: FIFO per topic limits exceed the default per account limit when FifoThroughputScope is MessageGroup)",
    raise: "Amazon SNS › Publish API TPS for FIFO topics (a soft limit: SNS quota increase request)",
  },
  snsFifoPerGroup: {
    value: 300,
    unit: "messages/s per message group",
    source: "https://docs.aws.amazon.com/sns/latest/dg/fifo-high-throughput.html",
  },
  sqsFifoPerAction: {
    value: 300,
    unit: "API calls/s per action per FIFO queue (3,000 messages/s with batches of 10)",
    source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html",
  },
  sqsFifoHighThroughput: {
    value: 70_000,
    unit: "API calls/s per action per high-throughput FIFO queue in us-east-1, us-west-2, eu-west-1",
    source:
      "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html (high throughput for FIFO queues)",
  },
  sqsDefaultRetention: {
    value: 4 * 24 * 3600,
    unit: "seconds a queue keeps a message by default (MessageRetentionPeriod; at most 14 days)",
    source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html",
  },
  lambdaRegional: {
    value: 1_000,
    unit: "concurrent executions per account and region (default)",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    raise: "AWS Lambda › Concurrent executions (L-B99A9384)",
  },
  lambdaUnreservedMinimum: {
    value: 100,
    unit: "concurrent executions Lambda keeps unreserved",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html",
  },
  lambdaMappingConcurrency: {
    value: 1_000,
    unit: "maximum concurrency of one SQS event source mapping (ScalingConfig, 2 to 1,000)",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/API_ScalingConfig.html",
  },
  lambdaSqsScaleUp: {
    value: 300,
    unit: "concurrent invocations an SQS event source adds per minute while messages wait",
    source:
      "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html (published for standard queues; no other rate is published for FIFO, so the simulation uses it for FIFO too)",
  },
  lambdaSqsInitial: {
    value: 5,
    unit: "concurrent invocations an SQS event source starts with (five pollers)",
    source: "https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html",
  },
  dynamoPartitionWrite: {
    value: 1_000,
    unit: "write units/s per partition (one item lives in one partition)",
    source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html",
  },
  dynamoOnDemandTable: {
    value: 40_000,
    unit: "write request units/s per on-demand table (default)",
    source:
      "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html",
    raise: "Amazon DynamoDB › Table-level write throughput limit (L-AB614373)",
  },
  dynamoOnDemandTableReads: {
    value: 40_000,
    unit: "read request units/s per on-demand table (default)",
    source:
      "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode-max-throughput.html",
    raise: "Amazon DynamoDB › Table-level read throughput limit (L-CF0CBE56)",
  },
  dynamoTransactionCost: {
    value: 2,
    unit: "write units per item written in a transaction",
    source:
      "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html#transaction-capacity-handling",
  },
  sesSendRate: {
    value: 1,
    unit: "e-mails/s (per recipient) in the sandbox; AWS publishes no production starting rate",
    source:
      "https://docs.aws.amazon.com/ses/latest/dg/quotas.html (asked for with how the rate was chosen: https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-request-increase.html)",
    raise: "Amazon SES › Sending rate (L-CDEF9B6B)",
  },
  sesDailyQuota: {
    value: 200,
    unit: "e-mails (per recipient) in any 24 hours, a rolling window, in the sandbox; no production start is published",
    source:
      'https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas.html (SES refuses a send beyond it: ThrottlingException "Daily message quota exceeded", https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html)',
    raise: "Amazon SES › Sending quota (L-804C8AE8)",
  },
  apiGatewayAccount: {
    value: 10_000,
    unit: "requests/s per account and region across HTTP, REST and WebSocket APIs (burst 5,000, not raisable)",
    source: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
    raise: "Amazon API Gateway › Throttle rate (L-8A5B8E43)",
  },
} as const satisfies Record<string, Quota>;
