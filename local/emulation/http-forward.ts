import * as http from "node:http";

/**
 * A request to `target` with the incoming request's method, path and headers: how the runtime's
 * proxies in front of fauxqs (local/emulation/fault-proxy.ts, local/emulation/move-tasks.ts) pass on what they do not
 * answer themselves. The caller writes the body and ends it.
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
    },
    onAnswer,
  );
}
