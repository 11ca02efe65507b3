/** HTTP plumbing of the orders API: reading a payload 2.0 request and writing JSON answers. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import * as z from "zod";
import { ErrorBody, ErrorCode, IdempotencyKey, MAX_BODY_BYTES } from "./contract";

/** An answer other than success; its status and JSON body are what the client gets. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorBody["details"],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  };
}

export function errorAnswer(error: ApiError): APIGatewayProxyStructuredResultV2 {
  const body: ErrorBody = {
    error: error.code,
    message: error.message,
    ...(error.details ? { details: error.details } : {}),
  };
  return json(error.status, body);
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const found = Object.entries(event.headers ?? {}).find(([key]) => key.toLowerCase() === wanted);
  return found?.[1];
}

export function idempotencyKeyOf(event: APIGatewayProxyEventV2): string {
  const key = header(event, "idempotency-key");
  if (key === undefined || key === "") {
    throw new ApiError(400, "MissingIdempotencyKey", "the Idempotency-Key header is required");
  }
  if (!IdempotencyKey.safeParse(key).success) {
    throw new ApiError(
      400,
      "InvalidIdempotencyKey",
      "the Idempotency-Key header must be 1 to 128 printable ASCII characters",
    );
  }
  return key;
}

/** `items.0.quantity` -> `items[0].quantity` */
function fieldName(path: PropertyKey[]): string {
  return (
    path.reduce<string>(
      (name, part) => (typeof part === "number" ? `${name}[${part}]` : name ? `${name}.${String(part)}` : String(part)),
      "",
    ) || "(body)"
  );
}

/**
 * The request body parsed as JSON and validated by `schema`. `optional` accepts an absent body as
 * `{}`. Errors name the problem: media type, size, JSON syntax, or each invalid field.
 */
export function jsonBody<S extends z.ZodType>(event: APIGatewayProxyEventV2, schema: S, optional = false): z.infer<S> {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, "base64").toString("utf8")
      : event.body
    : "";
  if (raw === "" && optional) return schema.parse({});
  const contentType = header(event, "content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new ApiError(
      415,
      "UnsupportedMediaType",
      `the body must be JSON with Content-Type application/json, got "${contentType}"`,
    );
  }
  const bytes = Buffer.byteLength(raw, "utf8");
  if (bytes >= MAX_BODY_BYTES) {
    throw new ApiError(413, "PayloadTooLarge", `the body is ${bytes} bytes; it must be under ${MAX_BODY_BYTES}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new ApiError(400, "InvalidJson", `the body is not valid JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(parsed);
  if (!result.success) {
    const details = result.error.issues.map((issue) => ({ field: fieldName(issue.path), message: issue.message }));
    throw new ApiError(400, "ValidationError", details.map((d) => `${d.field}: ${d.message}`).join("; "), details);
  }
  return result.data;
}
