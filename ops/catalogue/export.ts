/**
 * Exports a products table as a catalogue file in the import's JSON shape, sorted by SKU, so that
 * importing an export changes nothing. A stored item that is not a valid product is reported with
 * its SKU, and nothing is exported: a file that silently lacked it would look complete. Shard items
 * are not products: a sharded SKU is exported once, with the sum of its shards' stock.
 */
import { DynamoDBDocumentClient, paginateScan } from "@aws-sdk/lib-dynamodb";
import { Product, SHARD_OF, shardsOf, stockItemKeys } from "../../contract/product";
import { CatalogueError } from "./read";
import { productProblems } from "./validate";

type Item = Record<string, unknown>;

export async function exportCatalogue(ddb: DynamoDBDocumentClient, table: string): Promise<Product[]> {
  const items: Item[] = [];
  const shardStock = new Map<string, number>();
  for await (const page of paginateScan({ client: ddb }, { TableName: table, ConsistentRead: true })) {
    for (const item of page.Items ?? []) {
      if (item[SHARD_OF] === undefined) items.push(item);
      else shardStock.set(String(item.sku), Number(item.stock));
    }
  }
  const products: Product[] = [];
  const problems: string[] = [];
  for (const stored of items) {
    // The shards the product names hold its stock, as inventory sees it: one missing holds none.
    const keys = shardsOf(stored) > 1 ? stockItemKeys(String(stored.sku), shardsOf(stored)) : [];
    const stock = keys.reduce((sum, key) => sum + (shardStock.get(key) ?? 0), 0);
    const item = keys.length === 0 ? stored : { ...stored, stock };
    // Attributes beyond the product's fields are not the catalogue's; they are left out.
    const found = productProblems(`item ${JSON.stringify(item.sku)}`, item, Product);
    if (found.length === 0) products.push(Product.parse(item));
    problems.push(...found);
  }
  if (problems.length > 0) throw new CatalogueError(table, problems);
  return products.sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/**
 * A JSON array with one product a line, like local/fixtures/products.json, each with `stockWas`:
 * the stock exported, which an import with --set-stock checks before it writes a new count
 * (ops/catalogue/row.ts).
 */
export function catalogueJson(products: Product[]): string {
  const rows = products.map((p) => `  ${JSON.stringify({ ...p, stockWas: p.stock })}`);
  return products.length === 0 ? "[]\n" : `[\n${rows.join(",\n")}\n]\n`;
}
