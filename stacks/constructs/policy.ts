import { Fn } from "cdktf";

/** One IAM policy statement, in the shape of Terraform's aws_iam_policy_document. */
export interface PolicyStatement {
  /** The statement's name in the policy, letters and digits; unique in the policy. @default none */
  readonly sid?: string;
  /** @default "Allow" */
  readonly effect?: "Allow" | "Deny";
  /** `"*"` for anyone; omit in identity policies. */
  readonly principals?: "*" | { readonly Service?: string[]; readonly AWS?: string[] };
  /** What the statement allows or denies, e.g. `sqs:SendMessage`. */
  readonly actions: string[];
  /** Omitted only in trust policies. */
  readonly resources?: string[];
  /** `{ operator: { key: values } }`, e.g. `{ ArnEquals: { "aws:SourceArn": [topicArn] } }`. */
  readonly conditions?: Record<string, Record<string, string[] | string>>;
}

/**
 * A policy document as a Terraform `jsonencode(...)` expression. Tokens (ARNs of other resources)
 * stay references; `JSON.stringify` around a token would synthesize invalid HCL.
 */
export function policyDocument(statements: PolicyStatement[]): string {
  return Fn.jsonencode({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? "Allow",
      ...(s.principals ? { Principal: s.principals } : {}),
      Action: s.actions,
      ...(s.resources ? { Resource: s.resources } : {}),
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}

/** Denies every action on `resources` over plain HTTP. */
export function denyInsecureTransport(actionPrefix: string, resources: string[]): PolicyStatement {
  return {
    sid: "DenyInsecureTransport",
    effect: "Deny",
    principals: "*",
    actions: [`${actionPrefix}:*`],
    resources,
    conditions: { Bool: { "aws:SecureTransport": ["false"] } },
  };
}

/**
 * Whom a resource grants access to, as AWS CDK's IGrantable: a function, whose role's policy takes
 * the statement. Resources grant through their own `grant…` methods (`table.grant(fn, …)`), so a
 * statement is written where its resource is, never assembled by whoever uses the resource.
 */
export interface Grantee {
  /** Adds the statement to the role's policy, after those already there. */
  addToRolePolicy(statement: PolicyStatement): void;
}

/** How a grant's statement is written. */
export interface GrantOptions {
  /** The statement's Sid: it names the grant in a policy review and in the local runtime's grant report. @default none */
  readonly sid?: string;
}
