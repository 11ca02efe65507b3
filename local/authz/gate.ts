/**
 * The check every endpoint of the local runtime makes before its emulator answers: who signed
 * the request, what it asks (requests.ts), whether the plan's policies allow it (authorizer.ts),
 * and, when they do not, the answer the service itself would give, in its own error shape.
 *
 * Error shapes, as the AWS SDK v3 clients parse them:
 * - DynamoDB (JSON 1.0): 400, `__type` com.amazon.coral.service#AccessDeniedException.
 * - SQS (JSON, query-compatible): 403 with `x-amzn-query-error: AccessDenied;Sender`; a KMS
 *   denial is SQS's modelled KmsAccessDenied, 400, `KMS.AccessDeniedException;Sender`.
 * - SNS (query, XML): 403 AuthorizationError; a KMS denial 400 KMSAccessDenied.
 * - S3 (REST, XML): 403 AccessDenied, the message quoting the resource ARN.
 *   https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html
 * - SES v2 (REST JSON): 403 AccessDeniedException, SES's own `…' quoting.
 * - Lambda (REST JSON): 403 AccessDeniedException in `x-amzn-errortype`, the message in `Message`.
 * - Service Quotas (JSON 1.1): 400, `__type` AccessDeniedException.
 */
import type * as http from "node:http";
import { randomUUID } from "node:crypto";
import { accessKeyOfRequest, AuthorizationCheck, Authorizer, Denial, OPERATOR_ACCESS_KEY } from "./authorizer";
import { RequestMapper, SNS_SERVICE } from "./requests";

export type Service = "dynamodb" | "sqs" | "sns" | "s3" | "ses" | "lambda" | "servicequotas";

/** A REST JSON service's error, its type in `x-amzn-errortype` (SES v2, Lambda). */
export function restJsonError(status: number, type: string, body: Record<string, string>): Refusal {
  return {
    status,
    headers: { "content-type": "application/json", "x-amzn-errortype": type },
    body: JSON.stringify(body),
  };
}

export interface Refusal {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Text content of an XML element: quotes need no escape there, and S3's messages quote ARNs. */
export const escapeXml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

function json(status: number, headers: Record<string, string>, body: unknown, version = "1.0"): Refusal {
  return {
    status,
    headers: { "content-type": `application/x-amz-json-${version}`, ...headers },
    body: JSON.stringify(body),
  };
}

/** An error as SNS's query protocol answers it (also the runtime's SNS endpoint's own, fault-proxy.ts). */
export function snsXml(status: number, code: string, message: string, type: "Sender" | "Receiver" = "Sender"): Refusal {
  const body =
    `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>${type}</Type>` +
    `<Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  return { status, headers: { "content-type": "text/xml" }, body };
}

function s3Xml(status: number, code: string, message: string): Refusal {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`;
  return { status, headers: { "content-type": "application/xml" }, body };
}

/** The service's answer to a request the policies deny. */
export function denialAnswer(service: Service, denial: Denial): Refusal {
  const { message } = denial;
  switch (service) {
    case "dynamodb":
      return json(400, {}, { __type: "com.amazon.coral.service#AccessDeniedException", Message: message });
    case "sqs":
      return denial.kms
        ? json(
            400,
            { "x-amzn-query-error": "KMS.AccessDeniedException;Sender" },
            {
              __type: "com.amazonaws.sqs#KmsAccessDenied",
              message: `${message} (Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException)`,
            },
          )
        : json(
            403,
            { "x-amzn-query-error": "AccessDenied;Sender" },
            { __type: "com.amazon.coral.service#AccessDeniedException", Message: message },
          );
    case "sns":
      return denial.kms ? snsXml(400, "KMSAccessDenied", message) : snsXml(403, "AuthorizationError", message);
    case "s3":
      return s3Xml(
        403,
        "AccessDenied",
        message.replace(` on resource: ${denial.resource} `, ` on "${denial.resource}" `),
      );
    case "ses": {
      const who = /^User: (\S+)/.exec(message)?.[1] ?? denial.principal;
      return restJsonError(403, "AccessDeniedException", {
        message: `User \`${who}' is not authorized to perform \`${denial.action}' on resource \`${denial.resource}'`,
      });
    }
    case "lambda":
      return restJsonError(403, "AccessDeniedException", { Message: message });
    case "servicequotas":
      return json(400, {}, { __type: "AccessDeniedException", Message: message }, "1.1");
  }
}

/** The answer to credentials no role of the plan (nor the operator) has. */
function unrecognized(service: Service, key: string | undefined): Refusal {
  const message = `The security token included in the request is invalid (access key ${key ?? "missing"} is not the operator's nor a role's of the local plan).`;
  switch (service) {
    case "dynamodb":
      return json(400, {}, { __type: "com.amazon.coral.service#UnrecognizedClientException", Message: message });
    case "sqs":
      return json(
        403,
        { "x-amzn-query-error": "InvalidClientTokenId;Sender" },
        { __type: "com.amazonaws.sqs#InvalidSecurity", message },
      );
    case "sns":
      return snsXml(403, "InvalidClientTokenId", message);
    case "s3":
      return s3Xml(403, "InvalidAccessKeyId", message);
    case "ses":
      return restJsonError(403, "UnrecognizedClientException", { message });
    case "lambda":
      return restJsonError(403, "UnrecognizedClientException", { Message: message });
    case "servicequotas":
      return json(400, {}, { __type: "UnrecognizedClientException", Message: message }, "1.1");
  }
}

/** A role's request the check cannot map to IAM actions: refused, never let through unchecked. */
function unmapped(service: Service, what: string): Refusal {
  const message = `the local runtime cannot authorize ${what}: it maps only the requests the stack's functions make (local/authz/requests.ts)`;
  switch (service) {
    case "sns":
      return snsXml(400, "InvalidAction", message);
    case "s3":
      return s3Xml(501, "NotImplemented", message);
    default:
      return json(
        400,
        { "x-amzn-query-error": "InvalidAction;Sender" },
        { __type: "InvalidAction", message, Message: message },
      );
  }
}

export class Gate {
  /**
   * `enforcing` false lets every request through unchecked: only to measure what authorization
   * costs (`npm start -- --no-authorization`, the bench), never to check a stack.
   */
  constructor(
    readonly authorizer: Authorizer,
    readonly mapper: RequestMapper,
    readonly enforcing = true,
  ) {}

  /** For the calls the runtime makes as a role (event source mappings): throws when denied. */
  require(roleArn: string, checks: readonly AuthorizationCheck[]): void {
    if (this.enforcing) this.authorizer.require(roleArn, checks);
  }

  /**
   * Undefined when the request may go on to the emulator; otherwise what to answer instead.
   * `what` names the request for a refusal; `checks` are what it asks (undefined: not mapped).
   */
  refusal(
    service: Service,
    headers: http.IncomingHttpHeaders,
    what: string,
    checks: readonly AuthorizationCheck[] | undefined,
  ): Refusal | undefined {
    if (!this.enforcing) return undefined;
    const key = accessKeyOfRequest(headers.authorization);
    const caller = this.authorizer.callerOf(key);
    if (!caller) return unrecognized(service, key);
    if (!checks) return key === OPERATOR_ACCESS_KEY ? undefined : unmapped(service, what);
    const denial = this.authorizer.check(caller, checks);
    return denial ? denialAnswer(service, denial) : undefined;
  }

  dynamodb(headers: http.IncomingHttpHeaders, body: Buffer): Refusal | undefined {
    const target = String(headers["x-amz-target"] ?? "");
    const operation = target.replace(/^DynamoDB(Streams)?_\d+\./, "");
    return this.refusal("dynamodb", headers, target, this.mapper.dynamodb(operation, parseJson(body)));
  }

  /** SQS's JSON protocol; `input` is the request body, parsed once by the front that also rewrites it. */
  sqs(headers: http.IncomingHttpHeaders, input: Record<string, unknown>): Refusal | undefined {
    const target = String(headers["x-amz-target"] ?? "");
    return this.refusal("sqs", headers, target, this.mapper.sqs(target.replace(/^AmazonSQS\./, ""), input));
  }

  sns(headers: http.IncomingHttpHeaders, form: URLSearchParams): Refusal | undefined {
    return this.refusal("sns", headers, `SNS ${form.get("Action") ?? "request"}`, this.mapper.sns(form));
  }

  /**
   * SNS's deliveries of a message published to the topic, authorized as sns.amazonaws.com. None
   * can be denied here: a plan whose deliveries would be is refused at load (local/plan/access.ts),
   * as AWS would drop them silently. Evaluated per publish so that the grants SNS relies on (queue
   * policies, the key policy) count as used.
   */
  snsDeliveries(topicArn: string): void {
    if (this.enforcing) this.authorizer.check(SNS_SERVICE, this.mapper.snsDeliveries(topicArn));
  }

  /**
   * A missing object: S3 answers 404 only to a caller who may list the bucket, 403 to anyone else.
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
   */
  s3Missing(request: Pick<http.IncomingMessage, "method" | "url" | "headers">): Refusal | undefined {
    const url = new URL(request.url ?? "/", "http://local");
    const [read] = this.mapper.s3(request.method ?? "GET", url, String(request.headers.host ?? "")) ?? [];
    if (!read) return undefined;
    const bucket = read.resource.replace(/\/.*$/, "");
    return this.refusal("s3", request.headers, `S3 ListBucket ${bucket}`, [
      { action: "s3:ListBucket", resource: bucket },
    ]);
  }

  /** SES v2: SendEmail and GetAccount are mapped; anything else is the operator's only. */
  ses(request: Pick<http.IncomingMessage, "method" | "url" | "headers">, body: Buffer): Refusal | undefined {
    const path = new URL(request.url ?? "/", "http://local").pathname;
    const checks =
      request.method === "POST" && path === "/v2/email/outbound-emails"
        ? this.mapper.sesSendEmail(parseJson(body))
        : request.method === "GET" && path === "/v2/email/account"
          ? [{ action: "ses:GetAccount", resource: "*" }]
          : undefined;
    return this.refusal("ses", request.headers, `SES ${request.method} ${path}`, checks);
  }

  /** Lambda's Invoke of a function, by its ARN. */
  lambdaInvoke(headers: http.IncomingHttpHeaders, functionArn: string): Refusal | undefined {
    return this.refusal("lambda", headers, `Lambda Invoke ${functionArn}`, [
      { action: "lambda:InvokeFunction", resource: functionArn },
    ]);
  }

  /** Lambda's GetAccountSettings: an account-wide read, on no resource. */
  lambdaAccountSettings(headers: http.IncomingHttpHeaders): Refusal | undefined {
    return this.refusal("lambda", headers, "Lambda GetAccountSettings", [
      { action: "lambda:GetAccountSettings", resource: "*" },
    ]);
  }

  /** Service Quotas (JSON 1.1): GetServiceQuota is mapped; anything else is the operator's only. */
  serviceQuotas(headers: http.IncomingHttpHeaders): Refusal | undefined {
    const target = String(headers["x-amz-target"] ?? "");
    const operation = target.replace(/^ServiceQuotasV20190624\./, "");
    const checks =
      operation === "GetServiceQuota" ? [{ action: "servicequotas:GetServiceQuota", resource: "*" }] : undefined;
    return this.refusal("servicequotas", headers, `Service Quotas ${target}`, checks);
  }

  s3(request: Pick<http.IncomingMessage, "method" | "url" | "headers">): Refusal | undefined {
    const url = new URL(request.url ?? "/", "http://local");
    const host = String(request.headers.host ?? "");
    const what = `S3 ${request.method} ${url.pathname}${url.search}`;
    return this.refusal("s3", request.headers, what, this.mapper.s3(request.method ?? "GET", url, host));
  }
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString("utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}
