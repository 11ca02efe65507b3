/**
 * Every row of a catalogue file through the product schema, every problem collected: a file is
 * accepted whole or refused whole, with each problem naming its row (and, for CSV, its line) and
 * field, e.g. `row 3 (line 4): unitPriceCents: expected an integer ≥ 0, got "12.5"`.
 */
import * as z from "zod";
import { Product, REQUIRED_FIELDS } from "../../contract/product";
import { CatalogueError, FIELD_NAMES, SourceRow } from "./read";
import { CatalogueEntry, CatalogueRow } from "./row";

/** A row names every required product field, perhaps the optional ones, and nothing else. */
const ProductRow = CatalogueRow;

/** zod's default wording where the schema has none of its own (the SKU rule, the counts have). */
const operatorWording: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === "invalid_type") return `expected a ${issue.expected}`;
  if (issue.code === "invalid_value") return `expected one of ${issue.values.map(String).join(", ")}`;
  return undefined;
};

export function whereIs(row: SourceRow): string {
  return row.line === undefined ? `row ${row.row}` : `row ${row.row} (line ${row.line})`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * What is wrong with `value` as a product, each problem starting with `at` and naming the field.
 * `schema`: a file's row (every field, nothing else) unless told otherwise.
 */
export function productProblems(at: string, value: unknown, schema: z.ZodType<Product> = ProductRow): string[] {
  if (!isRecord(value)) return [`${at}: expected an object with ${REQUIRED_FIELDS.join(", ")}, got ${shown(value)}`];
  const parsed = schema.safeParse(value, { error: operatorWording });
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const names = issue.keys.map((k) => `"${k}"`).join(", ");
      return `${at}: unknown field${issue.keys.length > 1 ? "s" : ""} ${names}; the fields are ${FIELD_NAMES}`;
    }
    const field = String(issue.path[0]);
    const given = value[field];
    return given === undefined ? `${at}: ${field}: missing` : `${at}: ${field}: ${issue.message}, got ${shown(given)}`;
  });
}

function rowProblems(row: SourceRow): string[] {
  const at = whereIs(row);
  return row.unreadable !== undefined ? [`${at}: ${row.unreadable}`] : productProblems(at, row.fields);
}

/** The products of a file in its order; throws CatalogueError with every problem when any row is invalid. */
export function validateCatalogue(rows: SourceRow[], file: string): CatalogueEntry[] {
  const problems: string[] = [];
  const products: CatalogueEntry[] = [];
  const firstRowOf = new Map<string, SourceRow>();
  for (const row of rows) {
    const found = rowProblems(row);
    problems.push(...found);
    const sku = isRecord(row.fields) ? row.fields.sku : undefined;
    if (typeof sku === "string") {
      const first = firstRowOf.get(sku);
      if (first) problems.push(`${whereIs(row)}: sku: "${sku}" is also in ${whereIs(first)}`);
      else firstRowOf.set(sku, row);
    }
    if (found.length === 0) products.push(ProductRow.parse(row.fields));
  }
  if (problems.length > 0) throw new CatalogueError(file, problems);
  return products;
}
