/**
 * The SNS endpoint the functions are given: a pass-through to fauxqs that refuses Publish while a
 * publish fault matches (all orders, or one order's message group), the way an SNS outage looks to
 * the SDK (HTTP 500, InternalFailure).
 */
import * as http from "node:http";
import { Faults } from "./faults";
import { AddressInfo } from "node:net";

const REFUSAL = `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>Publish refused by local fault injection</Message></Error><RequestId>local-fault</RequestId></ErrorResponse>`;

/** Listens on a free loopback port: only the functions' environment needs to know it. */
export async function startFaultProxy(
  target: string,
  faults: Faults,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const targetUrl = new URL(target);
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      // The SDK's SNS client speaks the query protocol: a form-encoded body naming the action.
      const form = new URLSearchParams(body.toString("utf8"));
      if (form.get("Action") === "Publish" && faults.refusesPublish(form.get("MessageGroupId") ?? undefined)) {
        response.writeHead(500, { "content-type": "text/xml" }).end(REFUSAL);
        return;
      }
      const forward = http.request(
        {
          hostname: targetUrl.hostname,
          port: targetUrl.port,
          path: request.url,
          method: request.method,
          headers: request.headers,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      forward.on("error", (error) => response.writeHead(502).end(error.message));
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
