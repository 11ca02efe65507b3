/**
 * Who may do what in a plan: each role's identity policies, and the policies of the queues,
 * topics, buckets and keys. The local runtime authorizes every call against these
 * (local/authz/), so a grant the stack forgot fails here as it would on AWS.
 */
import { PolicyError, parsePolicy, Statement } from "../authz/policy";
import { evaluate } from "../authz/evaluate";
import { SNS_SERVICE, snsDeliveryChecks } from "../authz/requests";
import { AddressedPolicy, LocalAccess, LocalRole } from "../authz/access";
export type { LocalAccess };
import { PlanError } from "./plan-index";
import { Resolver, text } from "./resolver";

/** What the access reader needs of the plan's queues and subscriptions (plan.ts reads them). */
interface Messaging {
  readonly queues: readonly { name: string; arn: string; url: string; attributes: Record<string, string> }[];
  readonly subscriptions: readonly { address: string; topicArn: string; queueArn: string }[];
}

function parsed(document: string, address: string, kind: "identity" | "resource"): Statement[] {
  try {
    return parsePolicy(document, address, kind);
  } catch (error) {
    if (error instanceof PolicyError) throw new PlanError(error.message);
    throw error;
  }
}

/** Role arguments read here; a managed policy attachment or inline block would be refused by its type. */
const ROLE_ARGUMENTS = new Set(["name", "assume_role_policy", "tags"]);

function roles(r: Resolver): Map<string, LocalRole> {
  const byName = new Map<string, { address: string; arn: string; statements: Statement[] }>();
  for (const { name } of r.index.all("aws_iam_role")) {
    const address = `aws_iam_role.${name}`;
    const c = r.evaluated("aws_iam_role", name);
    const unknown = Object.keys(c).find((key) => !ROLE_ARGUMENTS.has(key));
    if (unknown) throw new PlanError(`${address}: argument ${unknown} is not supported locally`);
    byName.set(text(c.name), { address, arn: text(r.reference(["aws_iam_role", name, "arn"])), statements: [] });
  }
  for (const { name } of r.index.all("aws_iam_role_policy")) {
    const address = `aws_iam_role_policy.${name}`;
    const c = r.evaluated("aws_iam_role_policy", name);
    const role = byName.get(text(c.role));
    if (!role) throw new PlanError(`${address}: role ${text(c.role)} is not a role of this plan`);
    role.statements.push(...parsed(text(c.policy), address, "identity"));
  }
  return new Map([...byName].map(([roleName, role]) => [role.arn, { ...role, name: roleName }]));
}

function resourcePolicies(r: Resolver, model: Pick<Messaging, "queues">) {
  const policies = new Map<string, AddressedPolicy>();
  const add = (arn: string, address: string, document: string, kind: "resource" | "key") => {
    if (policies.has(arn)) throw new PlanError(`${address}: ${arn} already has a policy in this plan`);
    policies.set(arn, { address, kind, statements: parsed(document, address, "resource") });
  };
  for (const { name } of r.index.all("aws_sqs_queue_policy")) {
    const address = `aws_sqs_queue_policy.${name}`;
    const c = r.evaluated("aws_sqs_queue_policy", name);
    const queue = model.queues.find((q) => q.url === text(c.queue_url));
    if (!queue) throw new PlanError(`${address}: queue_url ${text(c.queue_url)} is not a queue of this plan`);
    add(queue.arn, address, text(c.policy), "resource");
  }
  for (const { name } of r.index.all("aws_sns_topic_policy")) {
    const c = r.evaluated("aws_sns_topic_policy", name);
    add(text(c.arn), `aws_sns_topic_policy.${name}`, text(c.policy), "resource");
  }
  for (const { name } of r.index.all("aws_s3_bucket_policy")) {
    const c = r.evaluated("aws_s3_bucket_policy", name);
    add(`arn:aws:s3:::${text(c.bucket)}`, `aws_s3_bucket_policy.${name}`, text(c.policy), "resource");
  }
  for (const { name } of r.index.all("aws_kms_key")) {
    const address = `aws_kms_key.${name}`;
    const c = r.evaluated("aws_kms_key", name);
    // AWS gives a key created without a policy its default one: the account delegates kms:* to IAM.
    const document =
      c.policy === undefined
        ? JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${r.accountId}:root` },
                Action: "kms:*",
                Resource: "*",
              },
            ],
          })
        : text(c.policy);
    add(text(r.reference(["aws_kms_key", name, "arn"])), address, document, "key");
  }
  return policies;
}

/**
 * SNS delivers to a subscribed queue as sns.amazonaws.com (snsDeliveryChecks). On AWS a delivery
 * the queue's or the key's policy refuses is dropped without an error anywhere (no subscription
 * here has a dead-letter queue), so a plan that would drop them is refused before anything runs.
 */
function checkDeliveries(model: Messaging, access: LocalAccess, accountId: string) {
  for (const subscription of model.subscriptions) {
    const queue = model.queues.find((q) => q.arn === subscription.queueArn);
    if (!queue)
      throw new PlanError(`${subscription.address}: endpoint ${subscription.queueArn} is not a queue of this plan`);
    const key = queue.attributes.KmsMasterKeyId || undefined;
    for (const check of snsDeliveryChecks(subscription.topicArn, queue.arn, key, accountId)) {
      const policy = access.resourcePolicies.get(check.resource);
      const decision = evaluate(SNS_SERVICE, check, policy);
      if (!decision.allowed)
        throw new PlanError(
          `${subscription.address}: SNS could not deliver to queue ${queue.name} ` +
            `(${policy ? `policy ${policy.address}` : "no policy"}): ${decision.message}; ` +
            `on AWS every message to it would be dropped silently`,
        );
    }
  }
}

export function readAccess(r: Resolver, model: Messaging): LocalAccess {
  const access = { roles: roles(r), resourcePolicies: resourcePolicies(r, model) };
  checkDeliveries(model, access, r.accountId);
  return access;
}
