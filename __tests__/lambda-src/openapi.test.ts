import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { openApiDocument, openApiYaml } from "../../scripts/openapi-document";
import { ORDER_ROUTES } from "../../stacks/constructs/orders-api";

describe("docs/openapi.yaml", () => {
  const committed = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "openapi.yaml"), "utf8");

  it("is what the handler's zod schemas generate (run `npm run openapi` after changing them)", () => {
    expect(committed).toEqual(openApiYaml());
  });

  it("describes exactly the routes the infrastructure serves", () => {
    const document = parse(committed);
    const documented = Object.entries(document.paths).flatMap(([route, operations]) =>
      Object.keys(operations as object).map((method) => `${method.toUpperCase()} ${route}`),
    );
    expect(documented.sort()).toEqual([...ORDER_ROUTES].sort());
  });

  it("forbids client prices in the request schema", () => {
    const request = openApiDocument().components.schemas.PlaceOrderRequest as any;
    expect(request.properties.items.items.additionalProperties).toBe(false);
    expect(Object.keys(request.properties.items.items.properties)).toEqual(["sku", "quantity"]);
  });
});
