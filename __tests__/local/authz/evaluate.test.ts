import { Caller, evaluate, ResourcePolicy } from "../../../local/authz/evaluate";
import { parsePolicy, PolicyError } from "../../../local/authz/policy";

const ACCOUNT = "000000000000";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/inventory-role`;
const TABLE = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/products`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:events.fifo`;

const identity = (statements: object[]) =>
  parsePolicy(JSON.stringify({ Version: "2012-10-17", Statement: statements }), "aws_iam_role_policy.p", "identity");
const resourcePolicy = (kind: "resource" | "key", statements: object[]): ResourcePolicy => ({
  kind,
  statements: parsePolicy(JSON.stringify({ Version: "2012-10-17", Statement: statements }), "policy.r", "resource"),
});
const role = (statements: object[]): Caller => ({
  kind: "principal",
  arn: ROLE,
  sessionArn: `arn:aws:sts::${ACCOUNT}:assumed-role/inventory-role/inventory-role`,
  accountId: ACCOUNT,
  identity: identity(statements),
});

describe("policy evaluation within one account", () => {
  it("evaluates ForAllValues and ForAnyValue on a multi-valued key, as IAM documents them", () => {
    const allowing = (operator: string) =>
      role([
        {
          Effect: "Allow",
          Action: "dynamodb:UpdateItem",
          Resource: TABLE,
          Condition: { [operator]: { "dynamodb:Attributes": ["sku", "stock"] } },
        },
      ]);
    const update = (attributes?: string[]) => ({
      action: "dynamodb:UpdateItem",
      resource: TABLE,
      ...(attributes ? { context: { "dynamodb:attributes": attributes } } : {}),
    });
    const all = allowing("ForAllValues:StringEquals");
    expect(evaluate(all, update(["sku", "stock"])).allowed).toBe(true);
    expect(evaluate(all, update(["sku", "stock", "price"])).allowed).toBe(false);
    // A request without the key satisfies ForAllValues: AWS's documented pitfall.
    expect(evaluate(all, update()).allowed).toBe(true);
    const any = allowing("ForAnyValue:StringEquals");
    expect(evaluate(any, update(["price", "stock"])).allowed).toBe(true);
    expect(evaluate(any, update(["price"])).allowed).toBe(false);
    expect(evaluate(any, update()).allowed).toBe(false);
    const noneOf = allowing("ForAllValues:StringNotEquals");
    expect(evaluate(noneOf, update(["price"])).allowed).toBe(true);
    expect(evaluate(noneOf, update(["price", "stock"])).allowed).toBe(false);
    expect(() =>
      identity([
        {
          Effect: "Allow",
          Action: "*",
          Resource: "*",
          Condition: { "ForAllValues:Bool": { "aws:SecureTransport": "true" } },
        },
      ]),
    ).toThrow(PolicyError);
  });

  it("denies what no identity policy allows, in AWS's words", () => {
    const decision = evaluate(role([{ Effect: "Allow", Action: "dynamodb:GetItem", Resource: TABLE }]), {
      action: "dynamodb:BatchGetItem",
      resource: TABLE,
    });
    expect(decision.allowed).toBe(false);
    expect(decision.message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/inventory-role/inventory-role is not authorized to perform: ` +
        `dynamodb:BatchGetItem on resource: ${TABLE} because no identity-based policy allows the dynamodb:BatchGetItem action`,
    );
  });

  it("matches actions case-insensitively and resources with wildcards", () => {
    const caller = role([{ Effect: "Allow", Action: "SQS:Receive*", Resource: "arn:aws:sqs:*:*:order-*" }]);
    expect(
      evaluate(caller, { action: "sqs:receivemessage", resource: "arn:aws:sqs:us-east-1:1:order-x" }).allowed,
    ).toBe(true);
    expect(evaluate(caller, { action: "sqs:receivemessage", resource: "arn:aws:sqs:us-east-1:1:other" }).allowed).toBe(
      false,
    );
  });

  it("lets an explicit deny in a resource policy win over an identity allow", () => {
    const caller = role([{ Effect: "Allow", Action: "sns:Publish", Resource: TOPIC }]);
    const topic = resourcePolicy("resource", [
      {
        Sid: "OnlyPublishersPublish",
        Effect: "Deny",
        Principal: "*",
        Action: "sns:Publish",
        Resource: TOPIC,
        Condition: { ArnNotEquals: { "aws:PrincipalArn": [`arn:aws:iam::${ACCOUNT}:role/api-role`] } },
      },
    ]);
    const decision = evaluate(caller, { action: "SNS:Publish", resource: TOPIC }, topic);
    expect(decision.message).toMatch(/SNS:Publish on resource: .* with an explicit deny in a resource-based policy$/);
  });

  it("allows by a resource policy that names the role, without an identity allow", () => {
    const topic = resourcePolicy("resource", [
      { Effect: "Allow", Principal: { AWS: ROLE }, Action: "sns:Publish", Resource: TOPIC },
    ]);
    expect(evaluate(role([]), { action: "sns:Publish", resource: TOPIC }, topic).allowed).toBe(true);
  });

  it("treats the account principal as delegation: the identity policy must still allow", () => {
    const topic = resourcePolicy("resource", [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sns:*", Resource: TOPIC },
    ]);
    expect(evaluate(role([]), { action: "sns:Publish", resource: TOPIC }, topic).allowed).toBe(false);
  });

  it("needs the key policy to allow or delegate before an identity policy grants a KMS action", () => {
    const caller = role([{ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY }]);
    const noDelegation = resourcePolicy("key", [
      { Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "kms:Decrypt", Resource: "*" },
    ]);
    expect(evaluate(caller, { action: "kms:Decrypt", resource: KEY }, noDelegation).message).toMatch(
      /because no resource-based policy allows the kms:Decrypt action$/,
    );
    const delegation = resourcePolicy("key", [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
    ]);
    expect(evaluate(caller, { action: "kms:Decrypt", resource: KEY }, delegation).allowed).toBe(true);
    expect(evaluate(role([]), { action: "kms:Decrypt", resource: KEY }, delegation).message).toMatch(
      /because no identity-based policy allows the kms:Decrypt action$/,
    );
  });

  it("evaluates a service principal's conditions: SNS may deliver only from the named topic", () => {
    const queue = resourcePolicy("resource", [
      {
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: "arn:aws:sqs:us-east-1:0:q",
        Condition: { ArnEquals: { "aws:SourceArn": TOPIC } },
      },
    ]);
    const sns: Caller = { kind: "service", service: "sns.amazonaws.com" };
    const send = (source: string) =>
      evaluate(
        sns,
        { action: "sqs:SendMessage", resource: "arn:aws:sqs:us-east-1:0:q", context: { "aws:sourcearn": [source] } },
        queue,
      );
    expect(send(TOPIC).allowed).toBe(true);
    expect(send(`${TOPIC}-other`).allowed).toBe(false);
  });

  it("treats local calls as HTTPS, so DenyInsecureTransport does not apply", () => {
    const caller = role([{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/*" }]);
    const bucket = resourcePolicy("resource", [
      {
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: "arn:aws:s3:::b/*",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
    expect(evaluate(caller, { action: "s3:PutObject", resource: "arn:aws:s3:::b/k" }, bucket).allowed).toBe(true);
  });

  it("checks ses:FromAddress: a missing or different sender is denied", () => {
    const caller = role([
      {
        Effect: "Allow",
        Action: "ses:SendEmail",
        Resource: "*",
        Condition: { StringEquals: { "ses:FromAddress": "orders@example.com" } },
      },
    ]);
    const send = (from: string) =>
      evaluate(caller, {
        action: "ses:SendEmail",
        resource: "arn:aws:ses:us-east-1:0:identity/example.com",
        context: { "ses:fromaddress": [from] },
      });
    expect(send("orders@example.com").allowed).toBe(true);
    expect(send("sales@example.com").allowed).toBe(false);
  });
});

describe("policies the local check cannot decide are refused where they are read", () => {
  const read = (statement: object) =>
    parsePolicy(
      JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
      "aws_sqs_queue_policy.q",
      "resource",
    );

  it.each([
    [
      { Sid: "S", Effect: "Allow", Principal: "*", NotAction: "sqs:*", Resource: "*" },
      /statement S: element NotAction/,
    ],
    [
      { Effect: "Allow", NotPrincipal: { AWS: "1" }, Action: "sqs:*", Resource: "*" },
      /statement #1: element NotPrincipal/,
    ],
    [{ Effect: "Allow", Principal: { Federated: "x" }, Action: "sqs:*", Resource: "*" }, /Principal form Federated/],
    [
      {
        Effect: "Allow",
        Principal: "*",
        Action: "sqs:*",
        Resource: "*",
        Condition: { IpAddress: { "aws:SourceIp": "1.2.3.4" } },
      },
      /condition operator IpAddress is not supported/,
    ],
    [
      { Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::b/${aws:username}" },
      /policy variable/,
    ],
  ])("refuses %j", (statement, message) => {
    expect(() => read(statement)).toThrow(PolicyError);
    expect(() => read(statement)).toThrow(message);
  });
});
