/** Routes payload 2.0 requests of the HTTP API to the orders domain and shapes every answer. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { logger } from "../shared/logger";
import { recordProcessingTime } from "../shared/metrics";
import { annotate, observeInvocation } from "../shared/tracing";
import { ApiError, errorAnswer, idempotencyKeyOf, json, jsonBody } from "./http";
import { CancelOrderRequest, PlaceOrderRequest } from "./contract";
import { cancelOrder, getOrder, OrdersDeps, placeOrder, Reader } from "./orders";
import { ANONYMOUS_CALLER } from "../shared/order-record";

type Route = (deps: OrdersDeps, event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

const accepted = (order: { orderId: string; status: string; totalCents: number; currency: string }) =>
  json(
    202,
    { orderId: order.orderId, status: order.status, totalCents: order.totalCents, currency: order.currency },
    { location: `/orders/${order.orderId}` },
  );

/**
 * Who calls: the IAM principal API Gateway verified (AWS_IAM authorization), as the role rather
 * than the session (`…:assumed-role/<role>/<session>` → `…:assumed-role/<role>`), so a caller's
 * orders stay theirs across sessions; ANONYMOUS_CALLER without IAM authorization (the local stack).
 */
export function callerOf(event: APIGatewayProxyEventV2): string {
  const context = event.requestContext as { authorizer?: { iam?: { userArn?: string } } };
  const arn = context.authorizer?.iam?.userArn;
  if (!arn) return ANONYMOUS_CALLER;
  return arn.replace(/^(arn:[^:]+:sts::\d+:assumed-role\/[^/]+)\/.*$/, "$1");
}

const read =
  (readerOf: (event: APIGatewayProxyEventV2) => Reader): Route =>
  async (deps, event) =>
    json(200, await getOrder(deps, event.pathParameters?.orderId ?? "", readerOf(event)));

const cancel =
  (readerOf: (event: APIGatewayProxyEventV2) => Reader): Route =>
  async (deps, event) => {
    annotate({ eventType: "OrderCancelled" });
    const { reason } = jsonBody(event, CancelOrderRequest, true);
    return accepted(await cancelOrder(deps, event.pathParameters?.orderId ?? "", reason ?? "", readerOf(event)));
  };

const ownOrders = (event: APIGatewayProxyEventV2): Reader => ({ caller: callerOf(event) });
/** API Gateway admits to the operator routes only callers holding the operator policy (stacks/constructs/orders-api.ts). */
const everyOrder = (): Reader => ({ operator: true });

const ROUTES: Record<string, Route> = {
  "POST /orders": async (deps, event) => {
    const key = idempotencyKeyOf(event);
    const request = jsonBody(event, PlaceOrderRequest);
    return accepted(await placeOrder(deps, key, request, callerOf(event)));
  },
  "GET /orders/{orderId}": read(ownOrders),
  "POST /orders/{orderId}/cancel": cancel(ownOrders),
  "GET /operator/orders/{orderId}": read(everyOrder),
  "POST /operator/orders/{orderId}/cancel": cancel(everyOrder),
};

export function ordersApi(deps: OrdersDeps) {
  return (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> =>
    observeInvocation(() => answer(deps, event));
}

/** One request: its answer, logged; its processing time recorded; the orderId annotated once known. */
async function answer(deps: OrdersDeps, event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const started = Date.now();
  const route = ROUTES[event.routeKey];
  logger.appendKeys({ route: event.routeKey, orderId: event.pathParameters?.orderId });
  annotate({ orderId: event.pathParameters?.orderId });
  try {
    if (!route) throw new ApiError(404, "RouteNotFound", `no route ${event.routeKey}`);
    const answer = await route(deps, event);
    logger.info("answered", { status: answer.statusCode });
    return answer;
  } catch (error) {
    if (error instanceof ApiError) {
      logger.info("refused", { status: error.status, error: error.code, message: error.message });
      return errorAnswer(error);
    }
    logger.error("unexpected failure", { error: error as Error });
    return errorAnswer(new ApiError(500, "InternalError", "the request failed unexpectedly; it is safe to retry"));
  } finally {
    recordProcessingTime(Date.now() - started);
    logger.removeKeys(["route", "orderId"]);
  }
}
