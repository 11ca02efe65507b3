import {
  FilterPatternError,
  matchesAnyFilter,
  matchesPattern,
  parseFilterPattern,
} from "../../../local/plan/event-filter";

const matches = (pattern: unknown, record: unknown) =>
  matchesPattern(parseFilterPattern(JSON.stringify(pattern)), record);

/** A DynamoDB stream record as Lambda filters it. */
const record = {
  eventName: "MODIFY",
  dynamodb: {
    Keys: { orderId: { S: "ord_1" } },
    NewImage: {
      orderId: { S: "ord_1" },
      status: { S: "PLACED" },
      unpublished: { SS: ["OrderPlaced", "OrderCancelled"] },
      totalCents: { N: "12000" },
      express: { BOOL: true },
      note: { NULL: true },
    },
    SizeBytes: 120,
  },
  reviewed: null,
};

describe("Lambda event filtering", () => {
  it("matches exact strings, numbers, booleans and null, nested, every key (AND), any value (OR)", () => {
    expect(matches({ eventName: ["INSERT", "MODIFY"] }, record)).toBe(true);
    expect(matches({ eventName: ["INSERT"] }, record)).toBe(false);
    expect(matches({ dynamodb: { NewImage: { status: { S: ["PLACED"] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { SizeBytes: [120] } }, record)).toBe(true);
    expect(matches({ dynamodb: { SizeBytes: ["120"] } }, record)).toBe(false);
    expect(matches({ dynamodb: { NewImage: { express: { BOOL: [true] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { NewImage: { express: { BOOL: [false] } } } }, record)).toBe(false);
    expect(matches({ reviewed: [null] }, record)).toBe(true);
    expect(matches({ missing: [null] }, record)).toBe(false);
    expect(matches({ eventName: ["MODIFY"], dynamodb: { NewImage: { status: { S: ["CANCELLED"] } } } }, record)).toBe(
      false,
    );
  });

  it("matches an array in the record when any element matches (a DynamoDB string set)", () => {
    const unpublished = (values: unknown[]) => ({ dynamodb: { NewImage: { unpublished: { SS: values } } } });
    expect(matches(unpublished(["OrderRejected", "OrderCancelled"]), record)).toBe(true);
    expect(matches(unpublished(["OrderRejected"]), record)).toBe(false);
    expect(matches(unpublished([{ prefix: "OrderC" }]), record)).toBe(true);
    expect(matches(unpublished([{ "anything-but": ["OrderPlaced"] }]), record)).toBe(true);
    expect(matches(unpublished([{ "anything-but": ["OrderPlaced", "OrderCancelled"] }]), record)).toBe(false);
  });

  it("exists: true and false, on leaves only", () => {
    const newImage = (pattern: unknown) => ({ dynamodb: { NewImage: pattern } });
    expect(matches(newImage({ unpublished: { SS: [{ exists: true }] } }), record)).toBe(true);
    expect(matches(newImage({ unpublished: { SS: [{ exists: false }] } }), record)).toBe(false);
    expect(matches(newImage({ publishedAt: { S: [{ exists: false }] } }), record)).toBe(true);
    expect(matches(newImage({ publishedAt: { S: [{ exists: true }] } }), record)).toBe(false);
    // An object is an intermediate node, not a leaf: it does not "exist" for the operator.
    expect(matches(newImage({ unpublished: [{ exists: true }] }), record)).toBe(false);
    // A missing parent: its children do not exist.
    expect(matches({ dynamodb: { OldImage: { status: { S: [{ exists: false }] } } } }, record)).toBe(true);
    expect(matches({ reviewed: [{ exists: true }] }, record)).toBe(true);
  });

  it("prefix, anything-but and numeric", () => {
    expect(matches({ dynamodb: { Keys: { orderId: { S: [{ prefix: "ord_" }] } } } }, record)).toBe(true);
    expect(matches({ dynamodb: { Keys: { orderId: { S: [{ prefix: "ORD" }] } } } }, record)).toBe(false);
    expect(matches({ eventName: [{ "anything-but": "REMOVE" }] }, record)).toBe(true);
    expect(matches({ eventName: [{ "anything-but": ["REMOVE", "MODIFY"] }] }, record)).toBe(false);
    expect(matches({ missing: [{ "anything-but": ["x"] }] }, record)).toBe(false);
    const size = (numeric: unknown[]) => ({ dynamodb: { SizeBytes: [{ numeric }] } });
    expect(matches(size([">", 100, "<=", 120]), record)).toBe(true);
    expect(matches(size([">", 120]), record)).toBe(false);
    expect(matches(size(["=", 120]), record)).toBe(true);
    expect(matches(size([">=", 121]), record)).toBe(false);
    expect(matches(size(["<", 121]), record)).toBe(true);
    // DynamoDB numbers are strings in the record: a numeric operator does not match them.
    expect(matches({ dynamodb: { NewImage: { totalCents: { N: [{ numeric: [">", 0] }] } } } }, record)).toBe(false);
  });

  it("ORs the filters of a mapping, and passes everything without filters", () => {
    const inserts = parseFilterPattern('{"eventName": ["INSERT"]}');
    const placed = parseFilterPattern('{"dynamodb": {"NewImage": {"status": {"S": ["PLACED"]}}}}');
    expect(matchesAnyFilter([inserts], record)).toBe(false);
    expect(matchesAnyFilter([inserts, placed], record)).toBe(true);
    expect(matchesAnyFilter([], record)).toBe(true);
  });

  it("refuses an operator it does not implement, and malformed patterns, saying where", () => {
    expect(() => parseFilterPattern('{"dynamodb": {"Keys": {"orderId": {"S": [{"suffix": "_1"}]}}}}')).toThrow(
      new FilterPatternError(
        'dynamodb.Keys.orderId.S: operator "suffix" is not supported locally (supported: exists, prefix, anything-but, numeric and exact values)',
      ),
    );
    expect(() => parseFilterPattern('{"eventName": [{"equals-ignore-case": "insert"}]}')).toThrow(
      /operator "equals-ignore-case" is not supported locally/,
    );
    expect(() => parseFilterPattern('{"eventName": [{"anything-but": {"prefix": "IN"}}]}')).toThrow(
      /"anything-but" takes a string, a number or a list of them/,
    );
    expect(() => parseFilterPattern('{"n": [{"numeric": [">>", 1]}]}')).toThrow(/"numeric" takes one or two/);
    expect(() => parseFilterPattern('{"n": [{"numeric": [">", "1"]}]}')).toThrow(/"numeric" takes one or two/);
    expect(() => parseFilterPattern('{"n": [{"exists": "yes"}]}')).toThrow('"exists" takes true or false');
    expect(() => parseFilterPattern('{"eventName": "INSERT"}')).toThrow('eventName: expected an object, got "INSERT"');
    expect(() => parseFilterPattern('{"eventName": []}')).toThrow("eventName: an empty list of matchers");
    expect(() => parseFilterPattern("{}")).toThrow("an empty pattern");
    expect(() => parseFilterPattern("not json")).toThrow("pattern is not JSON");
  });
});
