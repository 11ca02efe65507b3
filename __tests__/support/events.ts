/** Real event shapes: SQS FIFO records as Lambda delivers them, API Gateway v2 payload 2.0 requests. */
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from "aws-lambda";
import { eventIdFor, OrderCancelled, OrderPlaced } from "../../contract/events";

export const ORDER_A = "ord_aaaaaaaaaaaaaaaaaaaaaaaa";
export const ORDER_B = "ord_bbbbbbbbbbbbbbbbbbbbbbbb";

export function orderPlaced(orderId = ORDER_A, overrides: Partial<OrderPlaced> = {}): OrderPlaced {
  return {
    eventType: "OrderPlaced",
    version: 1,
    eventId: eventIdFor(orderId, "OrderPlaced"),
    orderId,
    occurredAt: "2026-11-01T10:00:00.000Z",
    customer: { id: "c-1", email: "ada@example.com" },
    items: [
      { sku: "KB-01", quantity: 2, unitPriceCents: 4_500 },
      { sku: "MS-02", quantity: 1, unitPriceCents: 2_000 },
    ],
    totalCents: 11_000,
    currency: "EUR",
    ...overrides,
  };
}

export function orderCancelled(orderId = ORDER_A): OrderCancelled {
  return {
    eventType: "OrderCancelled",
    version: 1,
    eventId: eventIdFor(orderId, "OrderCancelled"),
    orderId,
    occurredAt: "2026-11-01T10:05:00.000Z",
    reason: "changed my mind",
  };
}

let sequence = 0;

/** A record as the Lambda SQS event source delivers it from a FIFO queue with raw SNS delivery. */
export function sqsRecord(body: unknown, groupId: string, receiveCount = 1): SQSRecord {
  sequence += 1;
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const eventId = typeof body === "object" && body && "eventId" in body ? String(body.eventId) : `raw-${sequence}`;
  return {
    messageId: `00000000-0000-4000-8000-${String(sequence).padStart(12, "0")}`,
    receiptHandle: `receipt-${sequence}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: String(receiveCount),
      SentTimestamp: "1761991200000",
      SenderId: "AIDAEXAMPLE",
      ApproximateFirstReceiveTimestamp: "1761991200100",
      SequenceNumber: String(18_000_000_000_000_000_000 + sequence),
      MessageGroupId: groupId,
      MessageDeduplicationId: eventId,
    },
    messageAttributes: {
      eventType: { stringValue: "OrderPlaced", dataType: "String", stringListValues: [], binaryListValues: [] },
    },
    md5OfBody: "0",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:eu-west-1:123456789012:order-fanout-dev-billing.fifo",
    awsRegion: "eu-west-1",
  };
}

export function sqsEvent(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export const lambdaContext = (functionName = "test-function"): Context => ({
  functionName,
  functionVersion: "$LATEST",
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
  memoryLimitInMB: "512",
  awsRequestId: "request-1",
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: "stream",
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** A route of the orders API, or any other path to see how the router answers it. */
type RouteKey = string;

/** An API Gateway HTTP API (payload 2.0) request. */
export function apiRequest(
  routeKey: RouteKey,
  options: { body?: unknown; headers?: Record<string, string>; orderId?: string; callerArn?: string } = {},
): APIGatewayProxyEventV2 {
  const [method, pathTemplate] = routeKey.split(" ");
  const rawPath = (pathTemplate ?? "/").replace("{orderId}", options.orderId ?? "");
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === "string"
        ? options.body
        : JSON.stringify(options.body);
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: "",
    headers: { "content-type": "application/json", host: "api.example.com", ...options.headers },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "api.example.com",
      domainPrefix: "api",
      http: { method: method ?? "GET", path: rawPath, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "jest" },
      requestId: "req",
      routeKey,
      stage: "$default",
      time: "01/Nov/2026:10:00:00 +0000",
      timeEpoch: 1761991200000,
      // What API Gateway adds with AWS_IAM authorization: the verified caller.
      ...(options.callerArn ? { authorizer: { iam: { userArn: options.callerArn } } } : {}),
    },
    pathParameters: options.orderId === undefined ? undefined : { orderId: options.orderId },
    body,
    isBase64Encoded: false,
  };
}
