/**
 * What keeps a web page, or a neighbour on the network, from driving the local runtime through
 * someone's browser. The gateway listens on loopback only; on top of that it answers only requests
 * addressed to localhost (a DNS-rebinding page sends its own host name), and its state-changing
 * `/_local/*` routes take only `application/json`, which a page cannot send to another origin
 * without a CORS preflight the runtime never grants (a form or `text/plain` POST can be sent).
 */
import type * as http from "node:http";

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

export interface GuardRefusal {
  readonly status: 403 | 415;
  readonly message: string;
}

export function localRequestRefusal(
  method: string,
  pathname: string,
  headers: http.IncomingHttpHeaders,
): GuardRefusal | undefined {
  const host = (headers.host ?? "").replace(/:\d+$/, "").toLowerCase();
  if (!LOCAL_HOSTS.has(host))
    return {
      status: 403,
      message: `the local runtime answers only requests addressed to localhost, not Host "${headers.host ?? ""}"`,
    };
  const changesState = method === "POST" || method === "PUT";
  if (pathname.startsWith("/_local/") && changesState && !/^application\/json\b/i.test(headers["content-type"] ?? ""))
    return {
      status: 415,
      message: `${method} ${pathname} takes content-type application/json, got "${headers["content-type"] ?? "none"}"`,
    };
  return undefined;
}
