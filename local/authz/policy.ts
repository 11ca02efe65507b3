/**
 * IAM policy documents as the local authorization check reads them, and how one statement matches
 * a request. Only the policy language this project's stacks write is understood; anything else
 * (NotAction, NotResource, NotPrincipal, a principal form or condition operator not listed here,
 * policy variables) is refused where the policy is read, with its address and the element: a
 * statement the check cannot decide must never turn into a silent allow or deny.
 *
 * The rules come from the IAM User Guide's policy element reference:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
 */

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

/** Who a resource-policy statement names: everyone, an account (delegation), a role, or a service. */
export type Principal =
  | { readonly kind: "everyone" }
  | { readonly kind: "account"; readonly accountId: string }
  | { readonly kind: "arn"; readonly arn: string }
  | { readonly kind: "service"; readonly service: string };

export interface Condition {
  readonly operator: string;
  /** Lower case: condition keys are case-insensitive. */
  readonly key: string;
  readonly values: readonly string[];
}

export interface Statement {
  readonly effect: "Allow" | "Deny";
  /** Where it was written: the resource's address and the statement's Sid or position. */
  readonly where: string;
  /** Absent in identity policies: the principal is the role the policy is attached to. */
  readonly principals?: readonly Principal[];
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions: readonly Condition[];
}

/**
 * The operators understood, without their `IfExists` suffix. ArnEquals and ArnLike behave alike
 * (both accept wildcards), as do their negations.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
 */
const OPERATORS = new Set([
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Bool",
]);
const NEGATED = new Set([
  "StringNotEquals",
  "StringNotEqualsIgnoreCase",
  "StringNotLike",
  "ArnNotEquals",
  "ArnNotLike",
]);
const STATEMENT_KEYS = new Set(["Sid", "Effect", "Principal", "Action", "Resource", "Condition"]);

const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

function strings(value: unknown, where: string, element: string): string[] {
  const values = listOf(value);
  if (values.length === 0) throw new PolicyError(`${where}: ${element} is empty`);
  for (const v of values) {
    if (typeof v !== "string") throw new PolicyError(`${where}: ${element} holds ${JSON.stringify(v)}, not a string`);
    if (v.includes("${")) throw new PolicyError(`${where}: ${element} uses a policy variable (${v}), not supported`);
  }
  return values as string[];
}

const ACCOUNT_ROOT = /^arn:aws[a-z-]*:iam::(\d{12}):root$/;
const ROLE_OR_SESSION = /^arn:aws[a-z-]*:(iam::\d{12}:role\/.+|sts::\d{12}:assumed-role\/.+)$/;

function principalsOf(value: unknown, where: string): Principal[] {
  if (value === "*") return [{ kind: "everyone" }];
  if (typeof value !== "object" || value === null) throw new PolicyError(`${where}: Principal ${String(value)}`);
  const found: Principal[] = [];
  for (const [form, names] of Object.entries(value)) {
    if (form === "Service") {
      found.push(
        ...strings(names, where, "Principal.Service").map((service) => ({ kind: "service", service }) as const),
      );
      continue;
    }
    if (form !== "AWS") throw new PolicyError(`${where}: Principal form ${form} is not supported locally`);
    for (const name of strings(names, where, "Principal.AWS")) {
      const root = ACCOUNT_ROOT.exec(name);
      if (name === "*") found.push({ kind: "everyone" });
      else if (/^\d{12}$/.test(name)) found.push({ kind: "account", accountId: name });
      else if (root) found.push({ kind: "account", accountId: root[1] });
      else if (ROLE_OR_SESSION.test(name)) found.push({ kind: "arn", arn: name });
      else throw new PolicyError(`${where}: Principal.AWS ${name} is not an account, a role or a role session`);
    }
  }
  return found;
}

function conditionsOf(value: unknown, where: string): Condition[] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null) throw new PolicyError(`${where}: Condition is not an object`);
  const found: Condition[] = [];
  for (const [operator, keys] of Object.entries(value)) {
    const { set, base } = splitOperator(operator);
    if (!OPERATORS.has(base) || (set && (base === "Bool" || operator.endsWith("IfExists"))))
      throw new PolicyError(`${where}: condition operator ${operator} is not supported locally`);
    for (const [key, values] of Object.entries(keys as Record<string, unknown>)) {
      found.push({ operator, key: key.toLowerCase(), values: strings(values, where, `Condition.${operator}.${key}`) });
    }
  }
  return found;
}

/** The statements of one policy document; `principals` says whether it is a resource policy. */
export function parsePolicy(document: string, address: string, kind: "identity" | "resource"): Statement[] {
  let parsed: { Version?: string; Statement?: unknown };
  try {
    parsed = JSON.parse(document) as typeof parsed;
  } catch (error) {
    throw new PolicyError(`${address}: the policy is not JSON (${(error as Error).message})`);
  }
  if (parsed.Version !== "2012-10-17") throw new PolicyError(`${address}: policy Version must be 2012-10-17`);
  return listOf(parsed.Statement).map((raw, index) => {
    const s = raw as Record<string, unknown>;
    const where = `${address} statement ${typeof s.Sid === "string" ? s.Sid : `#${index + 1}`}`;
    const unknown = Object.keys(s).find((key) => !STATEMENT_KEYS.has(key));
    if (unknown) throw new PolicyError(`${where}: element ${unknown} is not supported locally`);
    if (s.Effect !== "Allow" && s.Effect !== "Deny") throw new PolicyError(`${where}: Effect ${String(s.Effect)}`);
    if (kind === "identity" && s.Principal !== undefined)
      throw new PolicyError(`${where}: an identity policy has no Principal`);
    if (kind === "resource" && s.Principal === undefined)
      throw new PolicyError(`${where}: a resource policy statement needs a Principal`);
    return {
      effect: s.Effect,
      where,
      ...(kind === "resource" ? { principals: principalsOf(s.Principal, where) } : {}),
      actions: strings(s.Action, where, "Action"),
      resources: strings(s.Resource, where, "Resource"),
      conditions: conditionsOf(s.Condition, where),
    };
  });
}

const globCache = new Map<string, RegExp>();

/** IAM's wildcards: `*` any run of characters (also `/` and `:`), `?` one character. */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  if (!pattern.includes("*") && !pattern.includes("?"))
    return ignoreCase ? pattern.toLowerCase() === value.toLowerCase() : pattern === value;
  const cacheKey = `${ignoreCase ? "i" : "c"}${pattern}`;
  let regex = globCache.get(cacheKey);
  if (!regex) {
    const body = pattern
      .split("")
      .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
    globCache.set(cacheKey, regex);
  }
  return regex.test(value);
}

/** The request's condition keys (lower case) and their values. */
export type RequestContext = Readonly<Record<string, readonly string[]>>;

function valueMatches(operator: string, pattern: string, actual: string): boolean {
  switch (operator) {
    case "StringEquals":
    case "StringNotEquals":
      return pattern === actual;
    case "StringEqualsIgnoreCase":
    case "StringNotEqualsIgnoreCase":
      return pattern.toLowerCase() === actual.toLowerCase();
    case "Bool":
      return pattern.toLowerCase() === actual.toLowerCase();
    default: // StringLike, ArnEquals, ArnLike and their negations
      return globMatches(pattern, actual);
  }
}

/** `ForAllValues:StringEquals` → the set operator and `StringEquals`; `…IfExists` stays on the base. */
function splitOperator(operator: string): { set?: "ForAllValues" | "ForAnyValue"; base: string } {
  const match = /^(ForAllValues|ForAnyValue):(.+)$/.exec(operator);
  const set = match?.[1] as "ForAllValues" | "ForAnyValue" | undefined;
  return { set, base: (match?.[2] ?? operator).replace(/IfExists$/, "") };
}

/** Whether one request value satisfies the operator against the condition's values. */
function valueHolds(operator: string, patterns: readonly string[], actual: string): boolean {
  const matched = patterns.some((pattern) => valueMatches(operator, pattern, actual));
  return NEGATED.has(operator) ? !matched : matched;
}

/**
 * One condition: any of its values matches any of the request's (OR), negated operators hold when
 * none does. A key the request lacks makes a condition false, a negated one true, and any
 * `…IfExists` one true. For a multi-valued key, `ForAllValues:` holds when every request value
 * satisfies the operator (and when the request has none: AWS's documented pitfall), `ForAnyValue:`
 * when at least one does (never when it has none).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
 */
function conditionHolds(condition: Condition, context: RequestContext): boolean {
  const { set, base: operator } = splitOperator(condition.operator);
  const actual = context[condition.key] ?? [];
  if (set === "ForAllValues") return actual.every((a) => valueHolds(operator, condition.values, a));
  if (set === "ForAnyValue") return actual.some((a) => valueHolds(operator, condition.values, a));
  const ifExists = condition.operator.endsWith("IfExists");
  if (actual.length === 0) return ifExists || NEGATED.has(operator);
  const matched = condition.values.some((pattern) => actual.some((a) => valueMatches(operator, pattern, a)));
  return NEGATED.has(operator) ? !matched : matched;
}

/** Whether the statement covers this action on this resource with these condition values. */
export function statementApplies(statement: Statement, action: string, resource: string, context: RequestContext) {
  return (
    statement.actions.some((pattern) => globMatches(pattern, action, true)) &&
    statement.resources.some((pattern) => globMatches(pattern, resource)) &&
    statement.conditions.every((condition) => conditionHolds(condition, context))
  );
}
