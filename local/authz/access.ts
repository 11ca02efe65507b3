/** The policies a plan declares, as the authorizer holds them (read from a plan by local/plan/access.ts). */
import { ResourcePolicy } from "./evaluate";
import { Statement } from "./policy";

export interface LocalRole {
  readonly address: string;
  readonly name: string;
  readonly arn: string;
  readonly statements: readonly Statement[];
}

export interface AddressedPolicy extends ResourcePolicy {
  readonly address: string;
}

export interface LocalAccess {
  /** By role ARN. */
  readonly roles: ReadonlyMap<string, LocalRole>;
  /** By the ARN of the queue, topic, bucket or key the policy is attached to. */
  readonly resourcePolicies: ReadonlyMap<string, AddressedPolicy>;
}
