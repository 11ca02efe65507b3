/** A small HTTP client of the orders API, for the demo and the smoke test. */
export type Signer = (request: {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body?: string;
}) => Promise<Record<string, string>>;

export interface Answer {
  status: number;
  body: any;
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
    let parsed: unknown = raw;
    try {
      parsed = JSON.parse(raw);
    } catch {
      // keep text
    }
    return { status: response.status, body: parsed };
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
    services: string[],
    timeoutMs: number,
    done?: (order: any) => boolean,
  ): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let order: any;
    while (Date.now() < deadline) {
      order = (await this.get(orderId)).body;
      const complete = services.every((s) => order?.fulfilment?.[s]) && (!done || done(order));
      if (complete) return order;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    return order;
  }
}
