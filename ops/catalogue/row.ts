/**
 * A row of a catalogue file: a product (contract/product.ts), and optionally `stockWas`,
 * the stock the row's count replaces. `export` writes it (the stock it read), so that an export
 * edited and imported with --set-stock is refused, SKU by SKU, when orders reserved from it since
 * the export: the count would otherwise overwrite those reservations. It is never stored.
 */
import * as z from "zod";
import { OPTIONAL_FIELDS, Product, PRODUCT_FIELDS, REQUIRED_FIELDS, WholeNumber } from "../../contract/product";

export const CatalogueRow = Product.extend({ stockWas: WholeNumber.optional() }).strict();
export type CatalogueEntry = z.infer<typeof CatalogueRow>;

/** The fields a file may have, those it may leave out, and those it must have. */
export const FILE_FIELDS: readonly string[] = [...PRODUCT_FIELDS, "stockWas"];
export const FILE_OPTIONAL_FIELDS: readonly string[] = [...OPTIONAL_FIELDS, "stockWas"];
export { REQUIRED_FIELDS };

/** The product a row describes, without what only the file carries. */
export function productOf({ stockWas: _, ...product }: CatalogueEntry): Product {
  return product;
}
