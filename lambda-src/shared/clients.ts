/**
 * AWS SDK v3 clients, one per process. Region, credentials and endpoints come from the standard
 * variables (AWS_REGION, AWS_ENDPOINT_URL_<SERVICE>), which is how the local runtime points them at
 * the emulators without a line of code here knowing. Each client is captured by the tracer once, when
 * it is made, so its calls are X-Ray subsegments (a no-op where tracing is off; see tracing.ts).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { S3Client } from "@aws-sdk/client-s3";
import { SESv2Client } from "@aws-sdk/client-sesv2";
import { ConfiguredRetryStrategy } from "@smithy/util-retry";
import { tracer } from "./tracing";

export const dynamoDbClient = () => tracer.captureAWSv3Client(new DynamoDBClient({}));

export const documentClient = (client = dynamoDbClient()) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

export const snsClient = () => tracer.captureAWSv3Client(new SNSClient({}));

/** Path-style addressing works with AWS and with S3 emulators on localhost alike. */
export const s3Client = () =>
  tracer.captureAWSv3Client(new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }));

/** Attempts in all (ConfiguredRetryStrategy counts the first one too). */
const SES_ATTEMPTS = 3;

/**
 * A send SES throttles (TooManyRequestsException, 429) is retried twice, 100 then 200 ms later:
 * the service paces itself to the account's rate (contract/send-pace.ts, notification/pacing.ts), so a throttle means
 * another sender in the account, and the SDK's default backoff (up to 20 s a retry) would run
 * a paced batch past its timeout and spend every message's receive.
 */
export const sesClient = () =>
  tracer.captureAWSv3Client(
    new SESv2Client({ retryStrategy: new ConfiguredRetryStrategy(SES_ATTEMPTS, (attempt) => 100 * attempt) }),
  );
