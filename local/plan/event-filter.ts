/**
 * Lambda event filtering (an event source mapping's filter_criteria), for the part of the pattern
 * language this project uses, as AWS documents it
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html):
 *
 * - a pattern is a JSON object whose keys follow the record's; every key must match (AND);
 * - a key's pattern is either an object (a nested pattern) or an array of matchers, any of which
 *   may match (OR);
 * - a matcher is a value compared exactly (string, number, boolean, null), or one of
 *   `{"exists": true|false}`, `{"prefix": "text"}`, `{"anything-but": value or [values]}`,
 *   `{"numeric": [op, n, (op, n)]}` with op one of = < <= > >=;
 * - where the record holds an array (a DynamoDB `SS`, say), the key matches if any element does;
 * - `exists` only sees leaves: a key holding an object does not "exist" for it;
 * - the filters of one mapping are OR-ed: a record passes if it matches any of them.
 *
 * Anything else (another operator, `equals-ignore-case`, `suffix`, `wildcard`, `$or`, an
 * `anything-but` over a prefix) is refused when the plan is loaded: the local runtime never guesses
 * what a pattern means. Records that match no filter are skipped, as Lambda does.
 */

export class FilterPatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FilterPatternError";
  }
}

type Scalar = string | number | boolean | null;
type NumericOperator = "=" | "<" | "<=" | ">" | ">=";

export type Matcher =
  | { kind: "equals"; value: Scalar }
  | { kind: "exists"; exists: boolean }
  | { kind: "prefix"; prefix: string }
  | { kind: "anything-but"; values: (string | number)[] }
  | { kind: "numeric"; conditions: [NumericOperator, number][] };

/** A parsed filter pattern: per key, a nested pattern or the matchers of a leaf. */
export interface FilterPattern {
  [key: string]: FilterPattern | Matcher[];
}

const OPERATORS = ["exists", "prefix", "anything-but", "numeric"];
const NUMERIC_OPERATORS = new Set<string>(["=", "<", "<=", ">", ">="]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function parseMatcher(raw: unknown, where: string): Matcher {
  if (raw === null || ["string", "number", "boolean"].includes(typeof raw)) {
    return { kind: "equals", value: raw as Scalar };
  }
  if (!isObject(raw) || Object.keys(raw).length !== 1) {
    throw new FilterPatternError(`${where}: expected a value or an operator object, got ${JSON.stringify(raw)}`);
  }
  const [operator, operand] = Object.entries(raw)[0];
  switch (operator) {
    case "exists":
      if (typeof operand !== "boolean") throw new FilterPatternError(`${where}: "exists" takes true or false`);
      return { kind: "exists", exists: operand };
    case "prefix":
      if (typeof operand !== "string") throw new FilterPatternError(`${where}: "prefix" takes a string`);
      return { kind: "prefix", prefix: operand };
    case "anything-but": {
      const values: unknown[] = Array.isArray(operand) ? operand : [operand];
      const scalars = values.filter((v): v is string | number => typeof v === "string" || typeof v === "number");
      if (values.length === 0 || scalars.length !== values.length) {
        throw new FilterPatternError(
          `${where}: "anything-but" takes a string, a number or a list of them locally, got ${JSON.stringify(operand)}`,
        );
      }
      return { kind: "anything-but", values: scalars };
    }
    case "numeric":
      return { kind: "numeric", conditions: numericConditions(operand, where) };
    default:
      throw new FilterPatternError(
        `${where}: operator "${operator}" is not supported locally (supported: ${OPERATORS.join(", ")} and exact values)`,
      );
  }
}

function numericConditions(operand: unknown, where: string): [NumericOperator, number][] {
  const problem = () =>
    new FilterPatternError(
      `${where}: "numeric" takes one or two [operator, number] pairs (operators = < <= > >=), got ${JSON.stringify(operand)}`,
    );
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) throw problem();
  const conditions: [NumericOperator, number][] = [];
  for (let i = 0; i < operand.length; i += 2) {
    const [op, n] = [operand[i] as unknown, operand[i + 1] as unknown];
    if (typeof op !== "string" || !NUMERIC_OPERATORS.has(op) || typeof n !== "number") throw problem();
    conditions.push([op as NumericOperator, n]);
  }
  return conditions;
}

function parseObject(raw: unknown, where: string): FilterPattern {
  if (!isObject(raw)) throw new FilterPatternError(`${where}: expected an object, got ${JSON.stringify(raw)}`);
  const entries = Object.entries(raw);
  if (entries.length === 0) throw new FilterPatternError(`${where}: an empty pattern matches nothing useful`);
  return Object.fromEntries(
    entries.map(([key, value]): [string, FilterPattern | Matcher[]] => {
      const path = where === "pattern" ? key : `${where}.${key}`;
      if (Array.isArray(value)) {
        if (value.length === 0) throw new FilterPatternError(`${path}: an empty list of matchers`);
        return [key, value.map((m) => parseMatcher(m, path))];
      }
      return [key, parseObject(value, path)];
    }),
  );
}

/** Parses one filter's pattern (the JSON text of filter_criteria.filter[].pattern), refusing what it cannot honour. */
export function parseFilterPattern(text: string): FilterPattern {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FilterPatternError(`pattern is not JSON: ${text.slice(0, 200)}`);
  }
  return parseObject(raw, "pattern");
}

function compare(op: NumericOperator, a: number, b: number): boolean {
  switch (op) {
    case "=":
      return a === b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
  }
}

/** One matcher against one leaf value of the record. */
function matchesValue(matcher: Exclude<Matcher, { kind: "exists" }>, value: unknown): boolean {
  switch (matcher.kind) {
    case "equals":
      return value === matcher.value;
    case "prefix":
      return typeof value === "string" && value.startsWith(matcher.prefix);
    case "anything-but":
      return (typeof value === "string" || typeof value === "number") && !matcher.values.includes(value);
    case "numeric":
      return typeof value === "number" && matcher.conditions.every(([op, n]) => compare(op, value, n));
  }
}

/** A leaf key: any matcher may match; an array in the record matches if any of its elements does. */
function matchesLeaf(matchers: Matcher[], value: unknown): boolean {
  const leaves = (value === undefined ? [] : Array.isArray(value) ? value : [value]).filter((v) => !isObject(v));
  const present = leaves.length > 0;
  return matchers.some((m) => (m.kind === "exists" ? m.exists === present : leaves.some((l) => matchesValue(m, l))));
}

/** Whether a record (or part of one) matches a pattern: every key of the pattern must match. */
export function matchesPattern(pattern: FilterPattern, record: unknown): boolean {
  if (Array.isArray(record)) return record.some((element) => matchesPattern(pattern, element));
  return Object.entries(pattern).every(([key, expected]) => {
    const value = isObject(record) ? record[key] : undefined;
    return Array.isArray(expected) ? matchesLeaf(expected, value) : matchesPattern(expected, value);
  });
}

/** The filters of one mapping are OR-ed; a mapping without filters passes every record. */
export function matchesAnyFilter(patterns: FilterPattern[], record: unknown): boolean {
  return patterns.length === 0 || patterns.some((pattern) => matchesPattern(pattern, record));
}
