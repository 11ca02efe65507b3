import { Authorizer, functionCredentials, OPERATOR_ACCESS_KEY } from "../../../local/authz/authorizer";
import { Gate } from "../../../local/authz/gate";
import { parsePolicy } from "../../../local/authz/policy";
import { RequestMapper } from "../../../local/authz/requests";
import { LocalAccess } from "../../../local/authz/access";

const ACCOUNT = "000000000000";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app-role`;
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:jobs.fifo`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/k`;
const TOPIC = `arn:aws:sns:us-east-1:${ACCOUNT}:events.fifo`;

function policy(statements: object[], kind: "identity" | "resource") {
  return parsePolicy(JSON.stringify({ Version: "2012-10-17", Statement: statements }), "test", kind);
}

function gateWith(identity: object[], resourcePolicies: [string, "resource" | "key", object[]][] = []) {
  const access: LocalAccess = {
    roles: new Map([
      [ROLE, { address: "aws_iam_role.app", name: "app-role", arn: ROLE, statements: policy(identity, "identity") }],
    ]),
    resourcePolicies: new Map(
      resourcePolicies.map(([arn, kind, statements]) => [
        arn,
        { address: `policy of ${arn}`, kind, statements: policy(statements, "resource") },
      ]),
    ),
  };
  const mapper = new RequestMapper({
    region: "us-east-1",
    accountId: ACCOUNT,
    keys: new Map([
      [QUEUE, KEY],
      [TOPIC, KEY],
    ]),
    sesIdentities: ["example.com"],
    subscribers: new Map(),
  });
  return new Gate(new Authorizer(access, ACCOUNT), mapper);
}

const signedBy = (key: string, service = "sqs") => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${key}/20261207/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
});
const role = signedBy(functionCredentials(ROLE).accessKeyId);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const delegation = [
  { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" },
];

describe("the gate in front of the emulators", () => {
  it("answers an SQS denial as SQS's JSON protocol does: 403, AccessDenied in x-amzn-query-error, lower-case action", () => {
    const refusal = gateWith([]).sqs(
      { ...role, "x-amz-target": "AmazonSQS.SendMessageBatch" },
      { QueueUrl: "http://127.0.0.1:4566/000000000000/jobs.fifo" },
    )!;
    expect(refusal.status).toBe(403);
    expect(refusal.headers["x-amzn-query-error"]).toBe("AccessDenied;Sender");
    expect(JSON.parse(refusal.body).Message).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/app-role/app-role is not authorized to perform: sqs:sendmessage on resource: ${QUEUE} because no identity-based policy allows the sqs:sendmessage action`,
    );
  });

  it("needs kms:GenerateDataKey to send to an encrypted queue, answered as SQS's KmsAccessDenied", () => {
    const gate = gateWith(
      [{ Effect: "Allow", Action: "sqs:SendMessage", Resource: QUEUE }],
      [[KEY, "key", delegation]],
    );
    const refusal = gate.sqs(
      { ...role, "x-amz-target": "AmazonSQS.SendMessage" },
      { QueueUrl: `http://x/${ACCOUNT}/jobs.fifo` },
    )!;
    expect(refusal.status).toBe(400);
    expect(refusal.headers["x-amzn-query-error"]).toBe("KMS.AccessDeniedException;Sender");
    expect(JSON.parse(refusal.body)).toMatchObject({
      __type: "com.amazonaws.sqs#KmsAccessDenied",
      message: expect.stringContaining(`kms:GenerateDataKey on resource: ${KEY}`),
    });
  });

  it("authorizes each item of a DynamoDB transaction as its own action on its table", () => {
    const gate = gateWith([
      { Effect: "Allow", Action: "dynamodb:UpdateItem", Resource: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/*` },
    ]);
    const transaction = (kinds: string[]) =>
      json({ TransactItems: kinds.map((kind, i) => ({ [kind]: { TableName: `t${i}` } })) });
    const headers = {
      ...signedBy(functionCredentials(ROLE).accessKeyId, "dynamodb"),
      "x-amz-target": "DynamoDB_20120810.TransactWriteItems",
    };
    expect(gate.dynamodb(headers, transaction(["Update", "Update"]))).toBeUndefined();
    const refusal = gate.dynamodb(headers, transaction(["Update", "ConditionCheck"]))!;
    expect(refusal.status).toBe(400);
    expect(JSON.parse(refusal.body)).toMatchObject({
      __type: "com.amazon.coral.service#AccessDeniedException",
      Message: expect.stringContaining(
        "dynamodb:ConditionCheckItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/t1",
      ),
    });
  });

  it("answers SNS in XML: AuthorizationError for Publish, KMSAccessDenied for the topic's key", () => {
    const form = new URLSearchParams({ Action: "Publish", TopicArn: TOPIC, Message: "m" });
    expect(gateWith([]).sns(signedBy(functionCredentials(ROLE).accessKeyId, "sns"), form)).toMatchObject({
      status: 403,
      body: expect.stringContaining("<Code>AuthorizationError</Code>"),
    });
    const publisher = gateWith([{ Effect: "Allow", Action: "sns:Publish", Resource: TOPIC }], [[KEY, "key", []]]);
    const refusal = publisher.sns(signedBy(functionCredentials(ROLE).accessKeyId, "sns"), form)!;
    expect(refusal.status).toBe(400);
    expect(refusal.body).toContain("<Code>KMSAccessDenied</Code>");
    expect(refusal.body).toContain("because no resource-based policy allows the kms:GenerateDataKey action");
  });

  it("answers S3 in XML, quoting the object's ARN, and hides a missing object from a caller who may not list", () => {
    const gate = gateWith([{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::docs/*" }]);
    const request = (method: string, url: string) => ({
      method,
      url,
      headers: { ...signedBy(functionCredentials(ROLE).accessKeyId, "s3"), host: "127.0.0.1:4566" },
    });
    const put = gate.s3(request("PUT", "/docs/invoices/a.json"))!;
    expect(put.status).toBe(403);
    expect(put.body).toContain('s3:PutObject on "arn:aws:s3:::docs/invoices/a.json" because no identity-based policy');
    expect(gate.s3(request("GET", "/docs/invoices/a.json"))).toBeUndefined();
    expect(gate.s3Missing(request("GET", "/docs/invoices/a.json"))?.body).toContain("s3:ListBucket");
  });

  it("authorizes SES SendEmail on the sending identity with ses:FromAddress", () => {
    const gate = gateWith([
      {
        Effect: "Allow",
        Action: "ses:SendEmail",
        Resource: `arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com`,
        Condition: { StringEquals: { "ses:FromAddress": "orders@example.com" } },
      },
    ]);
    const send = (from: string) =>
      gate.ses(
        {
          method: "POST",
          url: "/v2/email/outbound-emails",
          headers: signedBy(functionCredentials(ROLE).accessKeyId, "ses"),
        },
        json({ FromEmailAddress: from, Destination: { ToAddresses: ["ada@example.org"] } }),
      );
    expect(send("Orders <orders@example.com>")).toBeUndefined();
    const refusal = send("sales@example.com")!;
    expect(refusal.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
    expect(JSON.parse(refusal.body).message).toBe(
      `User \`arn:aws:sts::${ACCOUNT}:assumed-role/app-role/app-role' is not authorized to perform \`ses:SendEmail' on resource \`arn:aws:ses:us-east-1:${ACCOUNT}:identity/example.com'`,
    );
  });

  it("authorizes Lambda's Invoke as lambda:InvokeFunction on the function, answered in Lambda's REST JSON shape", () => {
    const fn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:sweep`;
    const lambda = signedBy(functionCredentials(ROLE).accessKeyId, "lambda");
    const refusal = gateWith([]).lambdaInvoke(lambda, fn)!;
    expect(refusal.status).toBe(403);
    expect(refusal.headers["x-amzn-errortype"]).toBe("AccessDeniedException");
    expect(JSON.parse(refusal.body).Message).toContain(
      `is not authorized to perform: lambda:InvokeFunction on resource: ${fn}`,
    );
    const allowed = gateWith([{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fn }]);
    expect(allowed.lambdaInvoke(lambda, fn)).toBeUndefined();
    expect(gateWith([]).lambdaInvoke(signedBy(OPERATOR_ACCESS_KEY, "lambda"), fn)).toBeUndefined();
  });

  it("lets the operator do anything a resource policy does not deny explicitly, and refuses unknown keys", () => {
    const gate = gateWith(
      [],
      [[TOPIC, "resource", [{ Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: TOPIC }]]],
    );
    const operator = signedBy(OPERATOR_ACCESS_KEY, "sns");
    expect(gate.sns(operator, new URLSearchParams({ Action: "ListTopics" }))).toBeUndefined();
    expect(gate.sns(operator, new URLSearchParams({ Action: "Publish", TopicArn: TOPIC }))?.status).toBe(403);
    expect(gate.sns(signedBy("AKIAUNKNOWN", "sns"), new URLSearchParams({ Action: "ListTopics" }))?.body).toContain(
      "InvalidClientTokenId",
    );
  });

  it("refuses a role's request it cannot map instead of letting it through", () => {
    const gate = gateWith([{ Effect: "Allow", Action: "s3:*", Resource: "*" }]);
    const refusal = gate.s3({
      method: "GET",
      url: "/docs?acl",
      headers: { ...signedBy(functionCredentials(ROLE).accessKeyId, "s3"), host: "127.0.0.1:4566" },
    })!;
    expect(refusal.status).toBe(501);
    expect(refusal.body).toContain("cannot authorize S3 GET /docs?acl");
  });

  it("checks nothing when enforcement is off (the bench's comparison)", () => {
    const gate = gateWith([]);
    const off = new Gate(gate.authorizer, gate.mapper, false);
    expect(off.sqs({ ...role, "x-amz-target": "AmazonSQS.DeleteQueue" }, { QueueUrl: "x/jobs.fifo" })).toBeUndefined();
  });
});
