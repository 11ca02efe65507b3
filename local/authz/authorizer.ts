/**
 * The local runtime's authorization: who a request's credentials name, whether the plan's policies
 * let them do what the request asks, and the record of denials and of the grants that were used.
 *
 * Each function signs with an access key that names its execution role (functionCredentials);
 * the operator commands sign with LOCAL_CREDENTIALS and act as an administrator of the account
 * (Allow * on *), still bound by the explicit denies of resource policies, as on AWS.
 */
import { createHash } from "node:crypto";
import { Caller, Decision, evaluate, AuthzRequest } from "./evaluate";
import { Statement } from "./policy";
import { LocalAccess } from "./access";

/** One call's authorization as the service would see it: one or more actions (KMS ones implied). */
export interface Denial {
  /** The role (or operator) the credentials named. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  /** AWS's sentence: "User: … is not authorized to perform: … because …". */
  readonly message: string;
  /** A KMS action the service performs for the caller (SQS and SNS answer these differently). */
  readonly kms: boolean;
  readonly at: string;
}

export const OPERATOR_ACCESS_KEY = "local";

const ADMINISTRATOR: Statement[] = [
  {
    effect: "Allow",
    where: "the local operator's AdministratorAccess",
    actions: ["*"],
    resources: ["*"],
    conditions: [],
  },
];

/** The access key a role's function signs with: derived from the role ARN, stable across runs. */
export function accessKeyOf(roleArn: string): string {
  return `ASIALOCAL${createHash("sha256").update(roleArn).digest("hex").slice(0, 11).toUpperCase()}`;
}

/** Credentials that name a role (the secret is not checked: signatures are not verified locally). */
export function functionCredentials(roleArn: string): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: accessKeyOf(roleArn), secretAccessKey: "local" };
}

/** The access key of a SigV4 Authorization header (`Credential=<key>/<date>/…`), if any. */
export function accessKeyOfRequest(authorization: string | undefined): string | undefined {
  return /Credential=([^/,\s]+)\//.exec(authorization ?? "")?.[1];
}

export interface AuthorizationCheck {
  readonly action: string;
  readonly resource: string;
  readonly context?: AuthzRequest["context"];
  /** Performed by the service with the caller's identity (kms:GenerateDataKey for SendMessage …). */
  readonly kms?: boolean;
}

/** A statement of an identity or resource policy, and how many requests it allowed. */
export interface GrantUse {
  readonly statement: Statement;
  readonly uses: Map<string, number>;
}

const DENIALS_KEPT = 200;

/** A denial as the SDK raises it to its caller. */
export class AccessDeniedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AccessDeniedException";
  }
}

export class Authorizer {
  private callers = new Map<string, Caller>();
  private access!: LocalAccess;
  /**
   * Per statement, by where it is written (a replaced plan's statements are new objects, but the
   * same grant): `action resource` → requests it allowed.
   */
  readonly used = new Map<string, Map<string, number>>();
  readonly denials: Denial[] = [];
  readonly deniedByPrincipal = new Map<string, number>();

  constructor(
    access: LocalAccess,
    private readonly accountId: string,
    private readonly onDenial: (denial: Denial) => void = () => {},
  ) {
    this.use(access);
  }

  /** Authorizes from now on against these policies (a test's copy of the plan without a statement). */
  use(access: LocalAccess): void {
    this.access = access;
    this.callers = new Map();
    this.callers.set(OPERATOR_ACCESS_KEY, {
      kind: "principal",
      arn: `arn:aws:iam::${this.accountId}:user/local-operator`,
      sessionArn: `arn:aws:iam::${this.accountId}:user/local-operator`,
      accountId: this.accountId,
      identity: ADMINISTRATOR,
    });
    for (const role of access.roles.values()) {
      this.callers.set(accessKeyOf(role.arn), {
        kind: "principal",
        arn: role.arn,
        // Lambda names the session after the function; one session per role is what the messages need.
        sessionArn: `arn:aws:sts::${this.accountId}:assumed-role/${role.name}/${role.name}`,
        accountId: this.accountId,
        identity: role.statements,
      });
    }
  }

  /** The caller a request's access key names, or undefined for a key no role of the plan has. */
  callerOf(accessKey: string | undefined): Caller | undefined {
    return accessKey === undefined ? undefined : this.callers.get(accessKey);
  }

  /** The caller a role's function signs as. */
  roleCaller(roleArn: string): Caller {
    const caller = this.callers.get(accessKeyOf(roleArn));
    if (!caller) throw new Error(`role ${roleArn} is not a role of the plan`);
    return caller;
  }

  /** The first check the caller fails, recorded and reported; undefined when all are allowed. */
  check(caller: Caller, checks: readonly AuthorizationCheck[]): Denial | undefined {
    for (const check of checks) {
      const decision = evaluate(caller, check, this.access.resourcePolicies.get(policyHolder(check.resource)));
      if (!decision.allowed) return this.deny(caller, check, decision);
      this.recordUse(decision, check);
    }
    return undefined;
  }

  /**
   * For the calls the runtime makes as a role (an event source mapping polling with the function's
   * role): throws what the SDK would throw when the role may not.
   */
  require(roleArn: string, checks: readonly AuthorizationCheck[]): void {
    const denial = this.check(this.roleCaller(roleArn), checks);
    if (denial) throw new AccessDeniedError(denial.message);
  }

  /** Statements of the roles' policies and of the resource policies, with what each allowed. */
  grants(): { owner: string; uses: GrantUse[] }[] {
    const owners = [
      ...[...this.access.roles.values()].map((role) => ({ owner: role.arn, statements: role.statements })),
      ...[...this.access.resourcePolicies].map(([arn, policy]) => ({ owner: arn, statements: policy.statements })),
    ];
    return owners.map(({ owner, statements }) => ({
      owner,
      uses: statements.map((statement) => ({
        statement,
        uses: this.used.get(statement.where) ?? new Map<string, number>(),
      })),
    }));
  }

  private recordUse(decision: Decision, check: AuthorizationCheck): void {
    for (const statement of decision.allowedBy) {
      let uses = this.used.get(statement.where);
      if (!uses) this.used.set(statement.where, (uses = new Map<string, number>()));
      const key = `${check.action} ${check.resource}`;
      uses.set(key, (uses.get(key) ?? 0) + 1);
    }
  }

  private deny(caller: Caller, check: AuthorizationCheck, decision: Decision): Denial {
    const principal = caller.kind === "service" ? caller.service : caller.arn;
    const denial: Denial = {
      principal,
      action: check.action,
      resource: check.resource,
      message: decision.message!,
      kms: check.kms ?? false,
      at: new Date().toISOString(),
    };
    this.denials.push(denial);
    if (this.denials.length > DENIALS_KEPT) this.denials.shift();
    this.deniedByPrincipal.set(principal, (this.deniedByPrincipal.get(principal) ?? 0) + 1);
    this.onDenial(denial);
    return denial;
  }
}

/**
 * The resource whose policy governs a request: the bucket for an object (`arn:aws:s3:::b/k`), the
 * table for an index or stream, else the resource itself.
 */
function policyHolder(resource: string): string {
  if (resource.startsWith("arn:aws:s3:::")) return resource.replace(/\/.*$/, "");
  return resource;
}
