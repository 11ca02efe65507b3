import { resolveTarget } from "../../ops/target";
import { tableName } from "../../stacks/environments";

describe("resolveTarget", () => {
  it("reaches an AWS environment in its region through the default credential chain", () => {
    const target = resolveTarget("prod", {});
    expect(target.region).toBe("eu-west-1");
    expect(target.tables).toEqual({
      orders: "order-fanout-prod-orders",
      products: "order-fanout-prod-products",
      idempotency: "order-fanout-prod-idempotency",
    });
    expect(target.dynamodb).toEqual({ region: "eu-west-1" });
    expect(target.description).toBe("prod (eu-west-1)");
  });

  it("reaches the local runtime with the emulators' credentials, on its default port or the one given", () => {
    const local = resolveTarget("local", {});
    expect(local.tables.products).toBe("order-fanout-local-products");
    expect(local.dynamodb).toEqual({
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      endpoint: "http://localhost:8000",
    });
    const elsewhere = resolveTarget("local", { AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:8100" });
    expect(elsewhere.dynamodb.endpoint).toBe("http://127.0.0.1:8100");
    expect(elsewhere.description).toBe("local (http://127.0.0.1:8100)");
  });

  it("refuses an unknown environment, listing the valid names", () => {
    expect(() => resolveTarget("production", {})).toThrow(
      'unknown environment "production": use one of dev, staging, prod, local',
    );
  });

  it("names tables as the stack does", () => {
    expect(tableName({ namePrefix: "order-fanout-dev" }, "products")).toBe("order-fanout-dev-products");
  });
});
