/**
 * The `dynamodb:Attributes` condition key of an item request: the top-level attribute names it
 * names, from its key, its item (PutItem), its legacy AttributesToGet, and the attribute paths of
 * its expressions (update, condition, projection, filter, key condition), placeholders resolved
 * through ExpressionAttributeNames
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html).
 * `fulfilment.#service.status` names `fulfilment`: IAM sees top-level attributes only.
 */
type Json = Record<string, unknown>;

const EXPRESSIONS = [
  "UpdateExpression",
  "ConditionExpression",
  "ProjectionExpression",
  "FilterExpression",
  "KeyConditionExpression",
];

/** Words of the expression grammar that are not attribute names (matched case-insensitively). */
const KEYWORDS = new Set(["set", "remove", "add", "delete", "and", "or", "not", "between", "in"]);

/**
 * The first element of every path in an expression: a name or `#placeholder` not preceded by a
 * `.`, `:` or another name character, and not a function (followed by `(`).
 */
const PATH_START = /(?<![\w.:#])(#?[A-Za-z_]\w*)(?!\w)(?!\s*\()/g;

export function topLevelAttributes(detail: Json): string[] {
  const names = (detail.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const found = new Set<string>([
    ...Object.keys(detail.Key ?? {}),
    ...Object.keys(detail.Item ?? {}),
    ...((detail.AttributesToGet ?? []) as string[]),
  ]);
  for (const field of EXPRESSIONS) {
    const expression = detail[field];
    if (typeof expression !== "string") continue;
    for (const [, token] of expression.matchAll(PATH_START)) {
      if (token.startsWith("#")) found.add(names[token] ?? token);
      else if (!KEYWORDS.has(token.toLowerCase())) found.add(token);
    }
  }
  return [...found].sort();
}
