import { Construct } from "constructs";
import { Apigatewayv2Api } from "@cdktf/provider-aws/lib/apigatewayv2-api";
import { Apigatewayv2Integration } from "@cdktf/provider-aws/lib/apigatewayv2-integration";
import { Apigatewayv2Route } from "@cdktf/provider-aws/lib/apigatewayv2-route";
import { Apigatewayv2Stage } from "@cdktf/provider-aws/lib/apigatewayv2-stage";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { Fn } from "cdktf";
import { BundledFunction } from "./bundled-function";
import { policyDocument } from "./policy";

/** The routes of the orders API, all served by one function. */
export const ORDER_ROUTES = [
  "POST /orders",
  "GET /orders/{orderId}",
  "POST /orders/{orderId}/cancel",
  "GET /operator/orders/{orderId}",
  "POST /operator/orders/{orderId}/cancel",
] as const;

/**
 * What a caller may be allowed, one managed policy each: a storefront places and reads, a support
 * tool reads and cancels, a reporting job only reads. The handler lets a caller read and cancel
 * only its own orders (lambda-src/orders-api/router.ts, callerOf); the operator policy reaches
 * the operator routes, which read and cancel any order.
 */
export const CAPABILITIES = {
  place: ["POST /orders"],
  read: ["GET /orders/{orderId}"],
  cancel: ["POST /orders/{orderId}/cancel"],
  operator: ["GET /operator/orders/{orderId}", "POST /operator/orders/{orderId}/cancel"],
} as const satisfies Record<string, readonly (typeof ORDER_ROUTES)[number][]>;
export type Capability = keyof typeof CAPABILITIES;

export interface OrdersApiProps {
  readonly name: string;
  readonly handler: BundledFunction;
  /** `AWS_IAM` (SigV4-signed callers only) or `NONE`. */
  readonly authorization: "AWS_IAM" | "NONE";
  readonly throttle: { readonly burstLimit: number; readonly rateLimit: number };
  readonly logRetentionDays: number;
}

/**
 * The execute-api resource of a route in any stage: `POST /orders/{orderId}/cancel` is
 * `<api>/<stage>/POST/orders/<any>/cancel`, with `*` for stage and any
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html).
 */
function routeResource(executionArn: string, routeKey: string): string {
  const [method, path] = routeKey.split(" ");
  return `${executionArn}/*/${method}${path.replace(/\{[^}]+\}/g, "*")}`;
}

/**
 * An HTTP API (API Gateway v2) routing ORDER_ROUTES to one Lambda with payload format 2.0, a
 * `$default` stage with JSON access logs and throttling, and an invoke permission for this API only.
 * With `AWS_IAM` authorization it also creates one managed policy per capability (place, read,
 * cancel) that a caller's role attaches to call exactly that route (`invokePolicies`).
 */
export class OrdersApi extends Construct {
  readonly api: Apigatewayv2Api;
  readonly url: string;
  readonly invokePolicies?: Record<Capability, IamPolicy>;

  constructor(scope: Construct, id: string, props: OrdersApiProps) {
    super(scope, id);
    const fn = props.handler.fn;
    this.api = new Apigatewayv2Api(this, "api", { name: props.name, protocolType: "HTTP" });
    const integration = new Apigatewayv2Integration(this, "integration", {
      apiId: this.api.id,
      integrationType: "AWS_PROXY",
      integrationUri: fn.invokeArn,
      integrationMethod: "POST",
      payloadFormatVersion: "2.0",
    });
    ORDER_ROUTES.forEach((routeKey, index) => {
      new Apigatewayv2Route(this, `route-${index}`, {
        apiId: this.api.id,
        routeKey,
        target: `integrations/${integration.id}`,
        authorizationType: props.authorization,
      });
    });
    const accessLogs = new CloudwatchLogGroup(this, "access-logs", {
      name: `/aws/apigateway/${props.name}`,
      retentionInDays: props.logRetentionDays,
    });
    new Apigatewayv2Stage(this, "stage", {
      apiId: this.api.id,
      name: "$default",
      autoDeploy: true,
      accessLogSettings: {
        destinationArn: accessLogs.arn,
        format: Fn.jsonencode({
          requestId: "$context.requestId",
          ip: "$context.identity.sourceIp",
          caller: "$context.identity.caller",
          requestTime: "$context.requestTime",
          routeKey: "$context.routeKey",
          status: "$context.status",
          responseLength: "$context.responseLength",
          integrationError: "$context.integrationErrorMessage",
        }),
      },
      defaultRouteSettings: {
        throttlingBurstLimit: props.throttle.burstLimit,
        throttlingRateLimit: props.throttle.rateLimit,
      },
    });
    new LambdaPermission(this, "invoke", {
      statementId: "AllowOrdersApiInvoke",
      action: "lambda:InvokeFunction",
      functionName: fn.functionName,
      principal: "apigateway.amazonaws.com",
      sourceArn: `${this.api.executionArn}/*/*`,
    });
    this.url = this.api.apiEndpoint;
    if (props.authorization === "AWS_IAM") {
      const policyFor = (capability: Capability) =>
        new IamPolicy(this, `${capability}-policy`, {
          name: `${props.name}-${capability}`,
          description: `Calls ${CAPABILITIES[capability].join(" and ")} on the ${props.name} API`,
          policy: policyDocument([
            {
              sid: `Invoke${capability[0].toUpperCase()}${capability.slice(1)}`,
              actions: ["execute-api:Invoke"],
              resources: CAPABILITIES[capability].map((route) => routeResource(this.api.executionArn, route)),
            },
          ]),
        });
      this.invokePolicies = {
        place: policyFor("place"),
        read: policyFor("read"),
        cancel: policyFor("cancel"),
        operator: policyFor("operator"),
      };
    }
  }
}
