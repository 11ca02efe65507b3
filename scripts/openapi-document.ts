/**
 * The OpenAPI 3.1 description of the orders API, built from the zod schemas the handler validates
 * with (lambda-src/orders-api/contract.ts). `npm run openapi` writes it to docs/openapi.yaml; a
 * test fails when the committed file differs from what the schemas say.
 */
import * as z from "zod";
import { stringify } from "yaml";
import {
  CancelOrderRequest,
  ErrorBody,
  IdempotencyKey,
  MAX_BODY_BYTES,
  OrderAccepted,
  OrderView,
  PlaceOrderRequest,
} from "../lambda-src/orders-api/contract";
import { OrderId } from "../contract/events";

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const jsonContent = (id: string) => ({ content: { "application/json": { schema: ref(id) } } });
const error = (description: string) => ({ description, ...jsonContent("Error") });

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends or receives. */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _dialect, id: _id, ...rest } = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  return rest;
}

const COMPONENTS = { PlaceOrderRequest, CancelOrderRequest, OrderAccepted, OrderView, Error: ErrorBody };

const orderIdParameter = { name: "orderId", in: "path", required: true, schema: jsonSchema(OrderId) };

export function openApiDocument() {
  const components = Object.fromEntries(Object.entries(COMPONENTS).map(([id, schema]) => [id, jsonSchema(schema)]));
  const accepted = {
    description:
      "Accepted: the order is stored with its event, which is published now or, if SNS refuses, by the outbox relay.",
    headers: { Location: { description: "Where to read the order", schema: { type: "string" } } },
    ...jsonContent("OrderAccepted"),
  };
  const getOrder = (operationId: string, summary: string) => ({
    operationId,
    summary,
    parameters: [orderIdParameter],
    responses: {
      "200": { description: "The order", ...jsonContent("OrderView") },
      "404": error("No such order (or another caller's)"),
      "500": error("Unexpected failure; safe to retry"),
    },
  });
  const cancelOrder = (operationId: string, summary: string) => ({
    operationId,
    summary,
    parameters: [orderIdParameter],
    requestBody: { required: false, ...jsonContent("CancelOrderRequest") },
    responses: {
      "202": { ...accepted, description: "Cancelled; OrderCancelled is recorded and published" },
      "400": error("Body not JSON, or reason too long"),
      "404": error("No such order (or another caller's)"),
      "409": error("Inventory rejected the order (out of stock): there is nothing to cancel"),
      "415": error("A body whose Content-Type is not application/json"),
      "500": error("Unexpected failure; safe to retry"),
    },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "order-fanout orders API",
      version: "1.0.0",
      description:
        "Places, reads and cancels orders. Every error answer is JSON {error, message, details?}. " +
        "In staging and prod every request must be SigV4-signed (AWS_IAM authorization).",
    },
    paths: {
      "/orders": {
        post: {
          operationId: "placeOrder",
          summary: "Place an order",
          parameters: [
            {
              name: "Idempotency-Key",
              in: "header",
              required: true,
              description: "A retry with the same key yields the same order; with another body, 409.",
              schema: jsonSchema(IdempotencyKey),
            },
          ],
          requestBody: {
            required: true,
            description: `JSON, under ${MAX_BODY_BYTES} bytes`,
            ...jsonContent("PlaceOrderRequest"),
          },
          responses: {
            "202": accepted,
            "400": error("Missing or invalid Idempotency-Key, body not JSON, or a field invalid (details name each)"),
            "409": error("The Idempotency-Key was used for a different request"),
            "413": error(`The body is ${MAX_BODY_BYTES} bytes or more`),
            "415": error("The Content-Type is not application/json"),
            "422": error("An unknown SKU, or a product priced in another currency"),
            "500": error("Unexpected failure; safe to retry"),
          },
        },
      },
      "/orders/{orderId}": {
        get: getOrder("getOrder", "Read one of the caller's orders and its fulfilment per service"),
      },
      "/orders/{orderId}/cancel": {
        post: cancelOrder("cancelOrder", "Cancel one of the caller's placed orders (a second cancel is a no-op)"),
      },
      "/operator/orders/{orderId}": {
        get: getOrder("operatorGetOrder", "Read any order (callers holding the operator policy)"),
      },
      "/operator/orders/{orderId}/cancel": {
        post: cancelOrder("operatorCancelOrder", "Cancel any placed order (callers holding the operator policy)"),
      },
    },
    components: { schemas: components },
  };
}

export function openApiYaml(): string {
  return `# Generated by \`npm run openapi\` from lambda-src/orders-api/contract.ts; do not edit.\n${stringify(openApiDocument(), { aliasDuplicateObjects: false, lineWidth: 0 })}`;
}
