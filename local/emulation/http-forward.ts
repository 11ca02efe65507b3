import * as http from "node:http";

/** One HTTP agent for every forward: the fronts keep their connections to the emulators open. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * A request to `target` with the incoming request's method, path and headers: how the runtime's
 * fronts to the emulators (local/emulation/aws-front.ts, fault-proxy.ts) pass on what they do
 * not answer themselves. The caller writes the body and ends it.
 */
export function forwardTo(
  target: URL,
  request: http.IncomingMessage,
  onAnswer: (answer: http.IncomingMessage) => void,
): http.ClientRequest {
  return http.request(
    {
      hostname: target.hostname,
      port: target.port,
      path: request.url,
      method: request.method,
      headers: request.headers,
      agent,
    },
    onAnswer,
  );
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Forwards `request` with `body` (which may differ from what arrived) and reads the whole answer.
 * `asTarget`: with the target's own Host header (SQS names a queue it creates by that host).
 */
export function forwardBuffered(
  target: URL,
  request: http.IncomingMessage,
  body: Buffer,
  asTarget = false,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = forwardTo(target, request, (answer) => {
      const chunks: Buffer[] = [];
      answer.on("data", (chunk: Buffer) => chunks.push(chunk));
      answer.on("end", () =>
        resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }),
      );
      answer.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.removeHeader("transfer-encoding");
    if (asTarget) outgoing.setHeader("host", target.host);
    outgoing.setHeader("content-length", String(body.length));
    outgoing.end(body);
  });
}

/** Writes an answer whose body may have been rewritten: its length is the new one. */
export function writeAnswer(response: http.ServerResponse, answer: Answer): void {
  const headers = { ...answer.headers, "content-length": String(answer.body.length) };
  delete headers["transfer-encoding"];
  response.writeHead(answer.status, headers).end(answer.body);
}

/** The whole body of an incoming request. */
export function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}
