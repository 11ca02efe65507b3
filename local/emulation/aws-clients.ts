/** Real AWS SDK v3 clients pointed at the emulators, with the credentials they accept. */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { S3Client } from "@aws-sdk/client-s3";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "../../contract/local-endpoints";

export interface Endpoints {
  /** fauxqs: SNS, SQS and S3. */
  readonly aws: string;
  readonly dynamodb: string;
}

export function localClients(endpoints: Endpoints) {
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient({ ...common, endpoint: endpoints.dynamodb });
  return {
    dynamodb,
    documents: DynamoDBDocumentClient.from(dynamodb),
    sns: new SNSClient({ ...common, endpoint: endpoints.aws }),
    sqs: new SQSClient({ ...common, endpoint: endpoints.aws }),
    s3: new S3Client({ ...common, endpoint: endpoints.aws, forcePathStyle: true }),
  };
}
export type LocalClients = ReturnType<typeof localClients>;

/** The standard variables that point a function's own SDK clients at the emulators. */
export function functionAwsEnvironment(endpoints: Endpoints & { sns: string }): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: endpoints.aws,
    AWS_ENDPOINT_URL_SNS: endpoints.sns,
    AWS_ENDPOINT_URL_S3: endpoints.aws,
    AWS_ENDPOINT_URL_SESV2: endpoints.aws,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  };
}
