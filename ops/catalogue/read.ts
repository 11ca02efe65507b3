/**
 * Reads a catalogue file into rows, before validation: `.json` is an array of product objects
 * (the shape of local/fixtures/products.json), `.csv` a header row naming the product fields and
 * one row per product. CSV cells are text; the whole-number columns become numbers only when they
 * are decimal digits, so "12.5", "1e3" or an empty cell reach validation as they are and are refused.
 * An optional column (stockShards, smokeTest, stockWas) may be left out, and an empty cell in it means the default.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "csv-parse/sync";
import { FILE_FIELDS, FILE_OPTIONAL_FIELDS, REQUIRED_FIELDS } from "./row";

export type CatalogueFormat = "json" | "csv";

/** The fields, as the messages name them. */
export const FIELD_NAMES = `${REQUIRED_FIELDS.join(", ")} and optionally ${FILE_OPTIONAL_FIELDS.join(", ")}`;

/** One product row of a file, not yet validated. */
export interface SourceRow {
  /** 1-based, counting data rows only. */
  readonly row: number;
  /** CSV: the line the row starts on, as an editor numbers it. */
  readonly line?: number;
  readonly fields: unknown;
  /** Why the row cannot be read as fields at all (a CSV row whose cells do not match the header). */
  readonly unreadable?: string;
}

/** A file refused as a whole, with every problem found in it. */
export class CatalogueError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      problems.length === 1
        ? `${file}: ${problems[0]}`
        : `${file}: ${problems.length} problems, the first: ${problems[0]}`,
    );
    this.name = "CatalogueError";
  }
}

export function formatOf(file: string): CatalogueFormat {
  const extension = path.extname(file).toLowerCase();
  if (extension === ".json") return "json";
  if (extension === ".csv") return "csv";
  throw new CatalogueError(file, [`expected a .json or .csv file, got "${extension || "no extension"}"`]);
}

export function readCatalogue(file: string): SourceRow[] {
  const format = formatOf(file);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new CatalogueError(file, [`cannot be read: ${(error as Error).message}`]);
  }
  return parseCatalogue(text, format, file);
}

export function parseCatalogue(text: string, format: CatalogueFormat, file = `(${format})`): SourceRow[] {
  return format === "json" ? parseJson(text, file) : parseCsv(text, file);
}

function parseJson(text: string, file: string): SourceRow[] {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new CatalogueError(file, [`is not valid JSON: ${(error as Error).message}`]);
  }
  if (!Array.isArray(document)) throw new CatalogueError(file, ["expected a JSON array of products"]);
  return document.map((fields: unknown, i) => ({ row: i + 1, fields }));
}

const WHOLE_NUMBER_COLUMNS: ReadonlySet<string> = new Set(["unitPriceCents", "stock", "stockShards", "stockWas"]);

const BOOLEAN_COLUMNS: ReadonlySet<string> = new Set(["smokeTest"]);

/**
 * Decimal digits only, or true/false in a yes-or-no column; anything else stays text for
 * validation to refuse with its value.
 */
function cell(column: string, value: string): string | number | boolean {
  if (BOOLEAN_COLUMNS.has(column) && (value === "true" || value === "false")) return value === "true";
  if (!WHOLE_NUMBER_COLUMNS.has(column) || !/^\d+$/.test(value)) return value;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : value;
}

function headerProblems(header: string[], line: number): string[] {
  const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(", ");
  const unknown = header.filter((c) => !FILE_FIELDS.includes(c));
  const repeated = [...new Set(header.filter((c, i) => header.indexOf(c) !== i))];
  const missing = REQUIRED_FIELDS.filter((f) => !header.includes(f));
  return [
    ...(unknown.length > 0 ? [`unknown column${unknown.length > 1 ? "s" : ""} ${quoted(unknown)}`] : []),
    ...(repeated.length > 0 ? [`column${repeated.length > 1 ? "s" : ""} ${quoted(repeated)} more than once`] : []),
    ...(missing.length > 0 ? [`missing column${missing.length > 1 ? "s" : ""} ${quoted(missing)}`] : []),
  ].map((problem) => `header (line ${line}): ${problem}; the columns are ${FIELD_NAMES}`);
}

const isOptional = (column: string) => FILE_OPTIONAL_FIELDS.includes(column);

const CR = 0x0d;
const LF = 0x0a;

/** Line breaks (CRLF, LF or CR) in bytes[from, to). */
function lineBreaks(bytes: Buffer, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) if (bytes[i] === LF || (bytes[i] === CR && bytes[i + 1] !== LF)) count++;
  return count;
}

/**
 * The line each record starts on, as an editor numbers them, from where each record ends
 * (csv-parse's info.bytes): blank lines before a record and line breaks inside quotes count.
 */
function startLines(bytes: Buffer, ends: number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  let offset = 0;
  for (const end of ends) {
    let start = offset;
    while (start < end && (bytes[start] === CR || bytes[start] === LF)) start++;
    line += lineBreaks(bytes, offset, start);
    lines.push(line);
    line += lineBreaks(bytes, start, end);
    offset = end;
  }
  return lines;
}

function parseCsv(text: string, file: string): SourceRow[] {
  const bytes = Buffer.from(text, "utf8");
  let records: { record: string[]; info: { bytes: number } }[];
  try {
    records = parse(bytes, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
    }) as unknown as typeof records;
  } catch (error) {
    throw new CatalogueError(file, [`is not valid CSV: ${(error as Error).message}`]);
  }
  if (records.length === 0) throw new CatalogueError(file, ["is empty: expected a header row"]);
  const lines = startLines(
    bytes,
    records.map((r) => r.info.bytes),
  );
  const columns = records[0].record;
  const problems = headerProblems(columns, lines[0]);
  if (problems.length > 0) throw new CatalogueError(file, problems);

  const rows: SourceRow[] = [];
  records.forEach(({ record }, i) => {
    // The header; and the rows of empty cells (",,,,") spreadsheets write below the data.
    if (i === 0 || record.every((value) => value === "")) return;
    const at = { row: rows.length + 1, line: lines[i] };
    if (record.length !== columns.length) {
      const cells = `${record.length} cell${record.length === 1 ? "" : "s"}`;
      rows.push({ ...at, fields: undefined, unreadable: `has ${cells}, the header has ${columns.length}` });
    } else {
      const given = columns.flatMap((c, j) => (record[j] === "" && isOptional(c) ? [] : [[c, cell(c, record[j])]]));
      rows.push({ ...at, fields: Object.fromEntries(given) });
    }
  });
  return rows;
}
