/** A small HTTP client of the orders API, for the demo and the smoke test. */
import type { ErrorBody, OrderView } from "../lambda-src/orders-api/contract";
import type { ConsumerService } from "../contract/services";

export type Signer = (request: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}) => Promise<Record<string, string>>;

/** Any answer of the API with every field optional: an order, an acceptance or an error. */
export type AnswerBody = Partial<OrderView & ErrorBody>;

export interface Answer {
  status: number;
  /** Undefined when the answer was not a JSON object. */
  body: AnswerBody | undefined;
}

export class OrdersClient {
  constructor(
    readonly baseUrl: string,
    private readonly sign?: Signer,
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const url = new URL(path, this.baseUrl.endsWith("/") ? this.baseUrl : `${this.baseUrl}/`);
    const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    let allHeaders: Record<string, string> = {
      ...(text !== undefined ? { "content-type": "application/json" } : {}),
      ...headers,
    };
    if (this.sign) allHeaders = await this.sign({ method, url, headers: allHeaders, body: text });
    const response = await fetch(url, { method, headers: allHeaders, body: text });
    const raw = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // not JSON: no body to read
    }
    return { status: response.status, body: typeof parsed === "object" && parsed !== null ? parsed : undefined };
  }

  place(key: string, items: { sku: string; quantity: number }[], email = "ada@example.com"): Promise<Answer> {
    return this.request(
      "POST",
      "orders",
      { customer: { id: `customer-${key}`, email }, items },
      { "idempotency-key": key },
    );
  }

  get(orderId: string): Promise<Answer> {
    return this.request("GET", `orders/${orderId}`);
  }

  cancel(orderId: string, reason: string): Promise<Answer> {
    return this.request("POST", `orders/${orderId}/cancel`, { reason });
  }

  /** Polls the order until every expected service has recorded an outcome, or the time is up. */
  async waitForFulfilment(
    orderId: string,
    services: readonly ConsumerService[],
    timeoutMs: number,
    done?: (order: AnswerBody) => boolean,
  ): Promise<AnswerBody | undefined> {
    const deadline = Date.now() + timeoutMs;
    let order: AnswerBody | undefined;
    while (Date.now() < deadline) {
      order = (await this.get(orderId)).body;
      const complete = services.every((s) => order?.fulfilment?.[s]) && (!done || done(order!));
      if (complete) return order;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return order;
  }
}
