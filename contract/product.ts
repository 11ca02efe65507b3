/**
 * A product of the catalogue: what the orders API prices from, what inventory reserves stock of,
 * and what `npm run catalogue` imports and exports. One schema for all of them.
 *
 * Where the stock is kept: an unsharded product (stockShards 1 or absent) holds it on its own
 * item, key `sku`, as `stock`. A sharded one (stockShards N > 1, a flash-sale SKU) has no `stock`:
 * it is on N shard items, key `<sku>#<i>` (i = 0..N-1), each `{sku: "<sku>#<i>", shardOf, stock}`,
 * so that orders for it write to N items instead of one. The SKU rule allows no "#", so no
 * product's key can be a shard's.
 */
import * as z from "zod";
import { Currency, Sku } from "./events";

export const WholeNumber = z.int({ error: "expected an integer ≥ 0" }).min(0, { error: "expected an integer ≥ 0" });

/** Characters a product name may have. */
export const MAX_NAME_LENGTH = 200;

/** About 50,000 reservations a second, five times prod's peak (README, Flash-sale SKUs). */
export const MAX_STOCK_SHARDS = 100;
const SHARDS = { error: `expected an integer from 1 to ${MAX_STOCK_SHARDS}` };

export const Product = z.object({
  /** The API's own rule, so every product imported can be ordered. */
  sku: Sku,
  // Bounded, so that one runaway row (a pasted description) is refused with its row number
  // instead of failing the import's write, and every re-run, on DynamoDB's item size.
  name: z
    .string()
    .trim()
    .min(1, { error: "expected a non-empty name" })
    .max(MAX_NAME_LENGTH, { error: `expected a name of at most ${MAX_NAME_LENGTH} characters` }),
  unitPriceCents: WholeNumber,
  currency: Currency,
  /**
   * Units available to reserve (a sharded product's: its shards' sum); inventory takes and gives
   * back stock with conditional updates.
   */
  stock: WholeNumber,
  /** How many items the stock is split over; absent means 1 (the product's own item). */
  stockShards: z.int(SHARDS).min(1, SHARDS).max(MAX_STOCK_SHARDS, SHARDS).optional(),
  /**
   * A product for smoke tests only: `npm run smoke` orders one of these and nothing else, so a
   * check of production never takes a real product's stock (it cancels its order, and inventory
   * gives the stock back). A storefront should not list it. Absent means false.
   */
  smokeTest: z.boolean().optional(),
});
export type Product = z.infer<typeof Product>;

/** The fields a catalogue import owns; stock belongs to inventory once a product exists. */
export const CATALOGUE_FIELDS = [
  "name",
  "unitPriceCents",
  "currency",
  "smokeTest",
] as const satisfies readonly (keyof Product)[];

export const PRODUCT_FIELDS = Object.keys(Product.shape) as (keyof Product)[];
/** The fields a file may leave out. */
export const OPTIONAL_FIELDS: readonly (keyof Product)[] = ["stockShards", "smokeTest"];
export const REQUIRED_FIELDS = PRODUCT_FIELDS.filter((f) => !OPTIONAL_FIELDS.includes(f));

/** The attribute that marks a shard item and names its SKU. */
export const SHARD_OF = "shardOf";

/** A stored product item's shard count: 1 when it has none. */
export function shardsOf(product: { stockShards?: unknown } | undefined): number {
  return typeof product?.stockShards === "number" ? product.stockShards : 1;
}

/** The keys of the items holding a SKU's stock: the product's own, or its shards'. */
export function stockItemKeys(sku: string, shards: number): string[] {
  return shards <= 1 ? [sku] : Array.from({ length: shards }, (_, i) => `${sku}#${i}`);
}

/** `stock` split as evenly as possible over `shards`: the first `stock mod shards` get one more. */
export function splitStock(stock: number, shards: number): number[] {
  const share = Math.floor(stock / shards);
  return Array.from({ length: shards }, (_, i) => share + (i < stock % shards ? 1 : 0));
}
