/**
 * A product of the catalogue: what the orders API prices from, what inventory reserves stock of,
 * and what `npm run catalogue` imports and exports. One schema for all of them.
 */
import * as z from "zod";
import { Currency, Sku } from "./events";

const WholeNumber = z.int({ error: "expected an integer ≥ 0" }).min(0, { error: "expected an integer ≥ 0" });

export const Product = z.object({
  /** The API's own rule, so every product imported can be ordered. */
  sku: Sku,
  name: z.string().trim().min(1, { error: "expected a non-empty name" }),
  unitPriceCents: WholeNumber,
  currency: Currency,
  /** Units available to reserve; inventory takes and gives back stock with conditional updates. */
  stock: WholeNumber,
});
export type Product = z.infer<typeof Product>;

/** The fields a catalogue import owns; stock belongs to inventory once a product exists. */
export const CATALOGUE_FIELDS = ["name", "unitPriceCents", "currency"] as const satisfies readonly (keyof Product)[];

export const PRODUCT_FIELDS = Object.keys(Product.shape) as (keyof Product)[];
