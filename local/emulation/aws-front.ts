/**
 * The endpoints the functions and operator commands are given, in front of the emulators: every
 * request is authorized first (local/authz/gate.ts), then answered by the emulator.
 *
 * - The AWS endpoint (`--aws-port`) fronts fauxqs's SQS, S3 and SNS, and answers SES v2's
 *   SendEmail itself (ses.ts). Requests are routed by the service they are signed for. It also owns
 *   the queue URLs:
 *   fauxqs names queues by URLs on its own port, and the AWS SDK v3 sends an SQS call to the host
 *   of its QueueUrl (`useQueueUrlAsEndpoint`, on by default), so every URL fauxqs answers is
 *   rewritten to this endpoint and every URL a request names is rewritten back: no client is
 *   handed a way around the check. It answers SQS's message move tasks itself (move-tasks.ts).
 *   It answers Lambda's Invoke of the plan's functions (lambda-invoke.ts); any other Lambda
 *   request is refused.
 *   It answers the account's quotas (account-quotas.ts): Lambda's GetAccountSettings, SES v2's
 *   GetAccount and Service Quotas' GetServiceQuota, so the operator's `quotas` command runs here too.
 * - The DynamoDB endpoint (`--dynamodb-port`) fronts DynamoDB Local.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { Answer, forwardBuffered, readBody, writeAnswer } from "./http-forward";
import { MessageMoveTasks, MOVE_TASK_ACTIONS, SqsApiError } from "./move-tasks";
import { Gate, Refusal } from "../authz/gate";
import { LocalSes } from "./ses";
import { answerInvoke, invokedFunction, LocalInvoke } from "./lambda-invoke";
import { AccountQuotas, isAccountSettings, isSesGetAccount, unansweredLambda } from "./account-quotas";

export interface Front {
  readonly endpoint: string;
  stop(): Promise<void>;
}

function refuse(response: http.ServerResponse, refusal: Refusal): void {
  response.writeHead(refusal.status, refusal.headers).end(refusal.body);
}

async function listen(
  port: number,
  handle: (request: http.IncomingMessage, body: Buffer, response: http.ServerResponse) => Promise<void>,
  what: string,
): Promise<{ server: http.Server; endpoint: string }> {
  const server = http.createServer((request, response) => {
    readBody(request)
      .then((body) => handle(request, body, response))
      .catch((error: Error) => {
        console.error(`${what}: ${error.message}`);
        if (!response.headersSent) response.writeHead(502);
        response.end(error.message);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function closing(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** SQS answers whose body names queue URLs. */
const ANSWERS_WITH_URLS = new Set(["CreateQueue", "GetQueueUrl", "ListQueues", "ListDeadLetterSourceQueues"]);

function answerJson(response: http.ServerResponse, status: number, body: unknown, error?: SqsApiError): void {
  response.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    ...(error ? { "x-amzn-query-error": `AWS.SimpleQueueService.${error.code};Sender` } : {}),
  });
  response.end(JSON.stringify(body));
}

async function answerMoveTask(tasks: MessageMoveTasks, action: string, body: Buffer, response: http.ServerResponse) {
  try {
    answerJson(response, 200, await tasks.answer(action, JSON.parse(body.toString("utf8") || "{}")));
  } catch (error) {
    const known =
      error instanceof SqsApiError ? error : new SqsApiError("InternalError", (error as Error).message, 500);
    answerJson(response, known.status, { __type: `com.amazonaws.sqs#${known.code}`, message: known.message }, known);
  }
}

export interface AwsFrontOptions {
  readonly port: number;
  /** fauxqs's own endpoint, and the origin of the queue URLs it hands out. */
  readonly fauxqs: { endpoint: string; queueUrlOrigin: string };
  readonly gate: Gate;
  readonly tasks: MessageMoveTasks;
  readonly ses: LocalSes;
  readonly invoke: LocalInvoke;
  /** A function's ARN by name, for the check of lambda:InvokeFunction. */
  readonly functionArn: (name: string) => string;
  /** The account's quotas (GetAccountSettings, SES GetAccount, GetServiceQuota). */
  readonly account: AccountQuotas;
}

/** The service a request is signed for: the SigV4 credential scope's service (`…/<region>/ses/aws4_request`). */
function signingService(headers: http.IncomingHttpHeaders): string | undefined {
  return /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\//.exec(headers.authorization ?? "")?.[1];
}

export async function startAwsFront(options: AwsFrontOptions): Promise<Front> {
  const { gate, tasks } = options;
  const target = new URL(options.fauxqs.endpoint);
  const emulatorOrigin = options.fauxqs.queueUrlOrigin;
  let publicOrigin = "";
  const toEmulator = (url: string) => url.replace(/^https?:\/\/[^/]+/, emulatorOrigin);

  async function sqs(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse): Promise<void> {
    const input = JSON.parse(body.toString("utf8") || "{}") as { QueueUrl?: string };
    const refusal = gate.sqs(request.headers, input);
    if (refusal) return refuse(response, refusal);
    const action = String(request.headers["x-amz-target"]).replace(/^AmazonSQS\./, "");
    if (MOVE_TASK_ACTIONS.includes(action)) return answerMoveTask(tasks, action, body, response);
    const forwarded = input.QueueUrl
      ? Buffer.from(JSON.stringify({ ...input, QueueUrl: toEmulator(input.QueueUrl) }))
      : body;
    // As fauxqs's own host: a queue created through the front gets a URL on fauxqs's origin, the
    // one every URL is rewritten to and from.
    const answer: Answer = await forwardBuffered(target, request, forwarded, true);
    if (ANSWERS_WITH_URLS.has(action))
      answer.body = Buffer.from(answer.body.toString("utf8").replaceAll(emulatorOrigin, publicOrigin));
    writeAnswer(response, answer);
  }

  async function lambda(request: http.IncomingMessage, path: string, body: Buffer, response: http.ServerResponse) {
    const method = request.method ?? "GET";
    if (isAccountSettings(method, path))
      return refuse(response, gate.lambdaAccountSettings(request.headers) ?? options.account.lambdaAccountSettings());
    const name = invokedFunction(method, path);
    if (!name) return refuse(response, unansweredLambda(method, path));
    const refusal = gate.lambdaInvoke(request.headers, options.functionArn(name));
    if (refusal) return refuse(response, refusal);
    const type = String(request.headers["x-amz-invocation-type"] ?? "RequestResponse");
    refuse(response, await answerInvoke(options.invoke, name, type, body));
  }

  const { server, endpoint } = await listen(
    options.port,
    async (request, body, response) => {
      if (String(request.headers["x-amz-target"] ?? "").startsWith("AmazonSQS.")) return sqs(request, body, response);
      const service = signingService(request.headers);
      const path = new URL(request.url ?? "/", "http://local").pathname;
      const method = request.method ?? "GET";
      if (service === "ses") {
        const answer = () =>
          isSesGetAccount(method, path) ? options.account.sesAccount() : options.ses.answer(method, path, body);
        return refuse(response, gate.ses(request, body) ?? answer());
      }
      if (service === "lambda") return lambda(request, path, body, response);
      if (service === "servicequotas") {
        const target = String(request.headers["x-amz-target"] ?? "");
        return refuse(response, gate.serviceQuotas(request.headers) ?? options.account.serviceQuotas(target, body));
      }
      const form = String(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")
        ? new URLSearchParams(body.toString("utf8"))
        : undefined;
      const isSns = form?.has("Action") ?? false;
      const refusal = isSns ? gate.sns(request.headers, form!) : gate.s3(request);
      if (refusal) return refuse(response, refusal);
      const answer = await forwardBuffered(target, request, body);
      const missing = !isSns && answer.status === 404 && ["GET", "HEAD"].includes(request.method ?? "");
      const hidden = missing ? gate.s3Missing(request) : undefined;
      if (hidden) return refuse(response, request.method === "HEAD" ? { ...hidden, body: "" } : hidden);
      writeAnswer(response, answer);
    },
    "the SNS/SQS/S3 endpoint",
  );
  publicOrigin = endpoint;
  return {
    endpoint,
    stop: async () => {
      await closing(server);
      await tasks.settled();
    },
  };
}

/** The DynamoDB endpoint: every request authorized, then answered by DynamoDB Local at `target`. */
export async function startDynamoDbFront(port: number, target: string, gate: Gate): Promise<Front> {
  const targetUrl = new URL(target);
  const { server, endpoint } = await listen(
    port,
    async (request, body, response) => {
      const refusal = gate.dynamodb(request.headers, body);
      if (refusal) return refuse(response, refusal);
      writeAnswer(response, await forwardBuffered(targetUrl, request, body));
    },
    "the DynamoDB endpoint",
  );
  return { endpoint, stop: () => closing(server) };
}
