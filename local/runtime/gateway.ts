/**
 * The HTTP API on localhost: serves the plan's routes as API Gateway v2 payload 2.0 events to the
 * function behind each, and answers unknown routes 404 as API Gateway does. `/_local/*` is the
 * runtime's own: status, fault injection, the policies calls are authorized against, the local
 * SES's mailbox, and the console (local/console/server.ts).
 */
import * as http from "node:http";
import { localRequestRefusal } from "./local-guard";
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { LocalRoute } from "../plan/plan";
import { FunctionHost } from "./function-host";
import { LOCAL_ACCOUNT } from "../../contract/local-endpoints";

/** An answer of a page the gateway serves for another part (the console). */
export interface ConsoleAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

interface CompiledRoute {
  routeKey: string;
  method: string;
  pattern: RegExp;
  parameterNames: string[];
  host: FunctionHost;
}

export interface LocalEndpoints {
  status(): Promise<unknown>;
  /** Every message outcome the consumers logged, oldest first. */
  processed(): unknown[];
  /** Applies a fault spec and answers its id; throws to answer 400 with the message. */
  addFault(spec: unknown): string;
  /** Removes one fault; false when there is none with that id. */
  removeFault(id: string): boolean;
  clearFaults(): void;
  /**
   * Authorizes from now on against the policies of this synthesized plan (cdk.tf.json), e.g. a
   * copy without a statement; throws to answer 400 when the plan cannot be read.
   */
  useAccess(plan: unknown): void;
  /** Each role's and resource policy's statements, with the requests each allowed so far. */
  grants(): unknown;
  /** The e-mails the local SES accepted, oldest first; with `order`, only those naming that order. */
  mailbox(order?: string): unknown[];
  /** The console's page, assets and JSON (local/console/server.ts); undefined for a path it does not serve. */
  console?(method: string, pathname: string): Promise<ConsoleAnswer | undefined>;
}

export type RequestLog = (line: { method: string; path: string; status: number; ms: number }) => void;

function compile(route: LocalRoute, host: FunctionHost): CompiledRoute {
  const [method, template] = route.routeKey.split(" ");
  const parameterNames: string[] = [];
  const pattern = template
    .split("/")
    .map((segment) => {
      const parameter = /^\{(\w+)\}$/.exec(segment);
      if (!parameter) return segment.replace(/[.*+?^$()|[\]\\]/g, "\\$&");
      parameterNames.push(parameter[1]);
      return "([^/]+)";
    })
    .join("/");
  return { routeKey: route.routeKey, method, pattern: new RegExp(`^${pattern}$`), parameterNames, host };
}

function payloadEvent(
  request: http.IncomingMessage,
  url: URL,
  body: Buffer,
  route: CompiledRoute,
  match: RegExpExecArray,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const pathParameters = Object.fromEntries(
    route.parameterNames.map((name, i) => [name, decodeURIComponent(match[i + 1])]),
  );
  const query = Object.fromEntries(url.searchParams.entries());
  const now = new Date();
  return {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(route.parameterNames.length > 0 ? { pathParameters } : {}),
    requestContext: {
      accountId: LOCAL_ACCOUNT,
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "localhost",
      http: {
        method: route.method,
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: route.routeKey,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body.length > 0 ? { body: body.toString("utf8") } : {}),
    isBase64Encoded: false,
  };
}

function send(response: http.ServerResponse, status: number, body: unknown): number {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
  return status;
}

function writeResult(
  response: http.ServerResponse,
  result: APIGatewayProxyStructuredResultV2 | string | undefined,
): number {
  // A function may return a bare value: API Gateway then answers 200 with it as JSON.
  if (typeof result !== "object" || result === null || result.statusCode === undefined)
    return send(response, 200, result);
  const body =
    result.body === undefined ? "" : result.isBase64Encoded ? Buffer.from(result.body, "base64") : result.body;
  response.writeHead(result.statusCode, { ...(result.headers as Record<string, string>) }).end(body);
  return result.statusCode;
}

export interface GatewayOptions {
  readonly port: number;
  readonly routes: LocalRoute[];
  readonly hosts: Map<string, FunctionHost>;
  /** The runtime's own endpoints under /_local/. */
  readonly local: LocalEndpoints;
  readonly log: RequestLog;
}

export async function startGateway(options: GatewayOptions): Promise<{ url: string; stop(): Promise<void> }> {
  const { port, routes, hosts, local, log } = options;
  const compiled = routes.map((route) => compile(route, hosts.get(route.functionName)!));
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => void answer(request, response, Buffer.concat(chunks)));
  });

  /** Answers one request; whatever goes wrong, the client gets a status and the console a line. */
  async function answer(request: http.IncomingMessage, response: http.ServerResponse, body: Buffer): Promise<void> {
    const started = Date.now();
    const url = new URL(request.url ?? "/", "http://localhost");
    let status: number;
    try {
      const refusal = localRequestRefusal(request.method ?? "GET", url.pathname, request.headers);
      status = refusal
        ? send(response, refusal.status, { message: refusal.message })
        : await handle(request, response, url, body);
    } catch (error) {
      status = send(response, 500, { message: "Internal Server Error" });
      console.error(`gateway: ${(error as Error).message}`);
    }
    if (!url.pathname.startsWith("/_local/"))
      log({ method: request.method ?? "", path: url.pathname, status, ms: Date.now() - started });
  }

  async function handle(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    body: Buffer,
  ): Promise<number> {
    if (url.pathname.startsWith("/_local/console") && local.console) {
      const answer = await local.console(request.method ?? "GET", url.pathname);
      if (answer) {
        response.writeHead(answer.status, answer.headers).end(answer.body);
        return answer.status;
      }
    }
    if (url.pathname === "/_local/status" && request.method === "GET") return send(response, 200, await local.status());
    if (url.pathname === "/_local/processed" && request.method === "GET") return send(response, 200, local.processed());
    if (url.pathname === "/_local/faults") {
      if (request.method === "DELETE") {
        local.clearFaults();
        return send(response, 200, { faults: "cleared" });
      }
      if (request.method === "POST") {
        try {
          return send(response, 201, { id: local.addFault(JSON.parse(body.toString("utf8") || "{}")) });
        } catch (error) {
          return send(response, 400, { message: (error as Error).message });
        }
      }
    }
    if (url.pathname === "/_local/access" && request.method === "PUT") {
      try {
        local.useAccess(JSON.parse(body.toString("utf8")));
        return send(response, 200, { access: "replaced" });
      } catch (error) {
        return send(response, 400, { message: (error as Error).message });
      }
    }
    if (url.pathname === "/_local/access/grants" && request.method === "GET")
      return send(response, 200, local.grants());
    if (url.pathname === "/_local/mailbox" && request.method === "GET")
      return send(response, 200, local.mailbox(url.searchParams.get("order") ?? undefined));
    const fault = /^\/_local\/faults\/([^/]+)$/.exec(url.pathname);
    if (fault && request.method === "DELETE") {
      const id = decodeURIComponent(fault[1]);
      return local.removeFault(id)
        ? send(response, 200, { removed: id })
        : send(response, 404, { message: `no fault has the id ${id}` });
    }
    for (const route of compiled) {
      const match = route.pattern.exec(url.pathname);
      if (!match || route.method !== request.method) continue;
      try {
        const result = await route.host.invoke(payloadEvent(request, url, body, route, match));
        return writeResult(response, result as APIGatewayProxyStructuredResultV2);
      } catch {
        return send(response, 500, { message: "Internal Server Error" });
      }
    }
    return send(response, 404, { message: "Not Found" });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    url: `http://localhost:${port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
