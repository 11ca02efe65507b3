/**
 * Evaluates the Terraform expressions that appear in a synthesized cdk.tf.json: string templates
 * ("arn:${data.aws_partition.p.partition}:..."), references (aws_sqs_queue.x.arn) and the
 * functions this project's stacks use, jsonencode and tolist, over objects, tuples, strings, numbers
 * and booleans. Anything else (another function, an operator, a conditional) is an error that says
 * what it met: the local runtime refuses what it cannot honour rather than guess.
 */

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/** Resolves `a.b.c` references, e.g. `aws_sqs_queue.billing.arn`, to a value. */
export type ReferenceResolver = (path: string[]) => Value;

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpressionError";
  }
}

type Node =
  | { kind: "literal"; value: Value }
  | { kind: "template"; parts: (string | Node)[] }
  | { kind: "reference"; path: string[] }
  | { kind: "call"; name: string; args: Node[] }
  | { kind: "tuple"; items: Node[] }
  | { kind: "object"; entries: [Node, Node][] };

const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  jsonencode: ([value]) => JSON.stringify(value),
  tolist: ([value]) => {
    if (!Array.isArray(value)) throw new ExpressionError(`tolist() takes a tuple, got ${JSON.stringify(value)}`);
    return value;
  },
};

/** Parses the body of a `${...}` interpolation or a bare expression. */
class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseWhole(): Node {
    const node = this.expression();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected "${this.text.slice(this.pos, this.pos + 20)}"`);
    return node;
  }

  /** Parses `${ expr }` starting after the `${`, consuming the closing brace. */
  interpolation(): Node {
    const node = this.expression();
    this.skipSpace();
    this.expect("}");
    return node;
  }

  private expression(): Node {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '"') return this.quoted();
    if (c === "[") return this.tuple();
    if (c === "{") return this.object();
    if (c !== undefined && /[-0-9]/.test(c)) return this.number();
    if (c !== undefined && /[A-Za-z_]/.test(c)) return this.identifierExpression();
    return this.fail(c === undefined ? "unexpected end of expression" : `unexpected "${c}"`);
  }

  private identifierExpression(): Node {
    const name = this.identifier();
    this.skipSpace();
    if (this.text[this.pos] === "(") {
      this.pos++;
      const args = this.listUntil(")");
      if (!FUNCTIONS[name]) this.fail(`function ${name}() is not supported locally`);
      return { kind: "call", name, args };
    }
    if (name === "true" || name === "false") return { kind: "literal", value: name === "true" };
    if (name === "null") return { kind: "literal", value: null };
    const path = [name];
    while (this.text[this.pos] === ".") {
      this.pos++;
      path.push(this.identifier());
    }
    this.skipSpace();
    if (this.text[this.pos] === "[") this.fail(`indexing ${path.join(".")}[...] is not supported locally`);
    if (/^[-+*/%<>=!&|?]/.test(this.text.slice(this.pos))) {
      this.fail(`operator "${this.text[this.pos]}" is not supported locally`);
    }
    return { kind: "reference", path };
  }

  private identifier(): string {
    const match = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(this.text.slice(this.pos));
    if (!match) this.fail("expected a name");
    this.pos += match[0].length;
    return match[0];
  }

  private number(): Node {
    const match = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(this.text.slice(this.pos));
    if (!match) this.fail("expected a number");
    this.pos += match[0].length;
    return { kind: "literal", value: Number(match[0]) };
  }

  private tuple(): Node {
    this.expect("[");
    return { kind: "tuple", items: this.listUntil("]") };
  }

  /** Comma-separated expressions up to and including `close` (function arguments, tuple items). */
  private listUntil(close: ")" | "]"): Node[] {
    const items: Node[] = [];
    this.skipSpace();
    while (this.text[this.pos] !== close) {
      items.push(this.expression());
      this.skipSpace();
      if (this.text[this.pos] === ",") this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected "," or "${close}"`);
      this.skipSpace();
    }
    this.pos++;
    return items;
  }

  private object(): Node {
    this.expect("{");
    const entries: [Node, Node][] = [];
    this.skipSpace();
    while (this.text[this.pos] !== "}") {
      const key = this.text[this.pos] === '"' ? this.quoted() : { kind: "literal" as const, value: this.identifier() };
      this.skipSpace();
      if (this.text[this.pos] !== "=" && this.text[this.pos] !== ":") this.fail('expected "=" after an object key');
      this.pos++;
      entries.push([key, this.expression()]);
      this.skipSpace();
      if (this.text[this.pos] === ",") this.pos++;
      this.skipSpace();
    }
    this.pos++;
    return { kind: "object", entries };
  }

  /** A quoted string, which may hold `${...}` interpolations. */
  private quoted(): Node {
    this.expect('"');
    return this.templateBody(true);
  }

  /**
   * Literal text and `${...}` interpolations, up to a closing quote (`quoted`) or the end of the
   * text (a cdk.tf.json string, whose JSON escapes are already undone).
   */
  templateBody(quoted: boolean): Node {
    const parts: (string | Node)[] = [];
    let text = "";
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) {
        if (quoted) this.fail("unterminated string");
        break;
      }
      if (quoted && c === '"') {
        this.pos++;
        break;
      }
      if (quoted && c === "\\") {
        const next = this.text[this.pos + 1];
        const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
        if (next === "u") {
          text += String.fromCharCode(parseInt(this.text.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          text += escapes[next] ?? next;
          this.pos += 2;
        }
        continue;
      }
      if (c === "$" && this.text.startsWith("$${", this.pos)) {
        text += "${";
        this.pos += 3;
        continue;
      }
      if (c === "$" && this.text[this.pos + 1] === "{") {
        if (text) parts.push(text);
        text = "";
        this.pos += 2;
        parts.push(this.interpolation());
        continue;
      }
      text += c;
      this.pos++;
    }
    if (text || parts.length === 0) parts.push(text);
    return parts.length === 1 && typeof parts[0] === "string"
      ? { kind: "literal", value: parts[0] }
      : { kind: "template", parts };
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private expect(char: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== char) this.fail(`expected "${char}"`);
    this.pos++;
  }

  private fail(problem: string): never {
    throw new ExpressionError(`${problem} at character ${this.pos} of ${JSON.stringify(this.text.slice(0, 200))}`);
  }
}

/** Splits a cdk.tf.json string into literal text and `${...}` interpolations. */
function parseTemplate(text: string): Node {
  if (!text.includes("${")) return { kind: "literal", value: text };
  return new Parser(text).templateBody(false);
}

function evaluate(node: Node, resolve: ReferenceResolver): Value {
  switch (node.kind) {
    case "literal":
      return node.value;
    case "reference":
      return resolve(node.path);
    case "call":
      return FUNCTIONS[node.name](node.args.map((a) => evaluate(a, resolve)));
    case "tuple":
      return node.items.map((i) => evaluate(i, resolve));
    case "object":
      return Object.fromEntries(node.entries.map(([k, v]) => [scalarText(evaluate(k, resolve)), evaluate(v, resolve)]));
    case "template": {
      if (node.parts.length === 1 && typeof node.parts[0] !== "string") return evaluate(node.parts[0], resolve);
      return node.parts
        .map((p) => {
          return typeof p === "string" ? p : scalarText(evaluate(p, resolve));
        })
        .join("");
    }
  }
}

/** A value as it reads inside a string; an object or a list has no such reading. */
function scalarText(value: Value): string {
  if (typeof value === "object" && value !== null) throw new ExpressionError("an object cannot be part of a string");
  return String(value);
}

/** The value of a cdk.tf.json string: a plain string, or a template whose references `resolve` answers. */
export function evaluateString(text: string, resolve: ReferenceResolver): Value {
  return evaluate(parseTemplate(text), resolve);
}

/** Evaluates every string inside a JSON value (a resource's configuration block). */
export function evaluateDeep(value: unknown, resolve: ReferenceResolver): Value {
  if (typeof value === "string") return evaluateString(value, resolve);
  if (Array.isArray(value)) return value.map((v) => evaluateDeep(v, resolve));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluateDeep(v, resolve)]));
  }
  return value as Value;
}

/** Every `type.name` a string refers to, e.g. to order creation or report what a value needs. */
export function referencesIn(text: string): string[][] {
  const found: string[][] = [];
  const walk = (node: Node) => {
    if (node.kind === "reference") found.push(node.path);
    if (node.kind === "template") node.parts.forEach((p) => typeof p !== "string" && walk(p));
    if (node.kind === "call") node.args.forEach(walk);
    if (node.kind === "tuple") node.items.forEach(walk);
    if (node.kind === "object") node.entries.forEach(([k, v]) => (walk(k), walk(v)));
  };
  walk(parseTemplate(text));
  return found;
}
