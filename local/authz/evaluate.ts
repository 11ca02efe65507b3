/**
 * AWS's policy evaluation for requests within one account, for the policy types this project
 * writes: identity policies of roles, and resource policies (queue, topic, bucket, key).
 *
 * - An explicit Deny in any applicable policy wins.
 * - Otherwise an Allow in the identity policy or in the resource policy suffices; a resource
 *   policy that names the account (`arn:aws:iam::<account>:root`) only delegates to IAM, so the
 *   identity policy must still allow.
 * - A KMS key policy is the exception: it must allow the principal, or delegate to the account and
 *   the identity policy allow; an identity policy alone grants nothing on a key.
 *
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 * Message forms: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html
 */
import { Principal, RequestContext, Statement, statementApplies } from "./policy";

/** A role's session (a function, or the operator) or an AWS service acting for the stack. */
export type Caller =
  | {
      readonly kind: "principal";
      /** The role's (or user's) ARN: what `aws:PrincipalArn` holds and resource policies name. */
      readonly arn: string;
      /** What AWS's messages name: the assumed-role session. */
      readonly sessionArn: string;
      readonly accountId: string;
      readonly identity: readonly Statement[];
    }
  | { readonly kind: "service"; readonly service: string };

export interface ResourcePolicy {
  /** A key policy must allow (or delegate) before an identity policy counts. */
  readonly kind: "resource" | "key";
  readonly statements: readonly Statement[];
}

export interface AuthzRequest {
  readonly action: string;
  readonly resource: string;
  /** Condition keys the request carries (lower case), besides those of the caller. */
  readonly context?: RequestContext;
}

export interface Decision {
  readonly allowed: boolean;
  /** AWS's sentence for a denial. */
  readonly message?: string;
  /** The Allow statements that granted the request (for the unused-grant report). */
  readonly allowedBy: readonly Statement[];
}

function principalMatch(principal: Principal, caller: Caller): "direct" | "delegated" | undefined {
  if (principal.kind === "everyone") return "direct";
  if (caller.kind === "service")
    return principal.kind === "service" && principal.service === caller.service ? "direct" : undefined;
  if (principal.kind === "account") return principal.accountId === caller.accountId ? "delegated" : undefined;
  if (principal.kind === "arn")
    return principal.arn === caller.arn || principal.arn === caller.sessionArn ? "direct" : undefined;
  return undefined;
}

function callerContext(caller: Caller, request: AuthzRequest): RequestContext {
  // Every local endpoint stands in for an AWS HTTPS endpoint, which is all the SDK ever calls: a
  // policy's DenyInsecureTransport statement sees what it would see on AWS.
  const base = { "aws:securetransport": ["true"], ...request.context };
  if (caller.kind === "service") return base;
  return { ...base, "aws:principalarn": [caller.arn], "aws:principalaccount": [caller.accountId] };
}

function callerName(caller: Caller): string {
  return caller.kind === "service" ? caller.service : caller.sessionArn;
}

export function evaluate(caller: Caller, request: AuthzRequest, resourcePolicy?: ResourcePolicy): Decision {
  const { action, resource } = request;
  const context = callerContext(caller, request);
  const applies = (s: Statement) => statementApplies(s, action, resource, context);
  const identity = caller.kind === "principal" ? caller.identity.filter(applies) : [];
  const named = (resourcePolicy?.statements ?? [])
    .map((statement) => ({
      statement,
      match: statement.principals?.reduce<"direct" | "delegated" | undefined>(
        (best, p) => (best === "direct" ? best : (principalMatch(p, caller) ?? best)),
        undefined,
      ),
    }))
    .filter(({ match, statement }) => match !== undefined && applies(statement));
  const deny = (reason: string): Decision => ({
    allowed: false,
    message: `User: ${callerName(caller)} is not authorized to perform: ${action} on resource: ${resource} ${reason}`,
    allowedBy: [],
  });

  if (identity.some((s) => s.effect === "Deny")) return deny("with an explicit deny in an identity-based policy");
  if (named.some(({ statement }) => statement.effect === "Deny"))
    return deny("with an explicit deny in a resource-based policy");

  const identityAllows = identity.filter((s) => s.effect === "Allow");
  const direct = named.filter(({ match }) => match === "direct").map(({ statement }) => statement);
  const delegated = named.filter(({ match }) => match === "delegated").map(({ statement }) => statement);
  if (resourcePolicy?.kind === "key") {
    if (direct.length > 0) return { allowed: true, allowedBy: [...direct, ...identityAllows] };
    if (delegated.length > 0 && identityAllows.length > 0)
      return { allowed: true, allowedBy: [...identityAllows, ...delegated] };
    return deny(
      delegated.length === 0
        ? `because no resource-based policy allows the ${action} action`
        : `because no identity-based policy allows the ${action} action`,
    );
  }
  if (identityAllows.length > 0 || direct.length > 0)
    return { allowed: true, allowedBy: [...identityAllows, ...direct] };
  return deny(
    caller.kind === "service"
      ? `because no resource-based policy allows the ${action} action`
      : `because no identity-based policy allows the ${action} action`,
  );
}
