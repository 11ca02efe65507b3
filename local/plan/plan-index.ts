/**
 * One reader of a synthesized stack (cdk.tf.json) for whoever reads a plan: its resources by type
 * and address, and the relations between them as the plan states them, by reference (a mapping's
 * `event_source_arn = "${aws_sqs_queue.x.arn}"` names the queue x). Names are never matched: a
 * renamed construct changes addresses, not relations. What the local runtime makes of the plan is
 * a separate pass (plan.ts); the capacity model reads the AWS stacks through this index too.
 */
import { ExpressionError, referencesIn } from "./hcl-expression";
import { TerraformPlan } from "./synth-plan";

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PlanError";
  }
}

export type Block = Record<string, unknown>;

export interface PlanResource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, as Terraform and every error message name it. */
  readonly address: string;
  /** Its own arguments, without cdktf's metadata and Terraform's ordering meta-arguments. */
  readonly config: Block;
}

/** cdktf's construct metadata and arguments that only order or guard Terraform's own work. */
const ORDERING_ONLY = new Set(["//", "depends_on", "lifecycle", "provider"]);

export class PlanIndex {
  private readonly byAddress = new Map<string, PlanResource>();

  constructor(private readonly plan: TerraformPlan) {
    for (const [type, resources] of Object.entries(plan.resource ?? {})) {
      for (const [name, block] of Object.entries(resources)) {
        const address = `${type}.${name}`;
        // Each resource is one instance here: an index per instance would need Terraform's evaluation.
        for (const meta of ["count", "for_each"]) {
          if (meta in block) throw new PlanError(`${address}: ${meta} is not supported`);
        }
        const config = Object.fromEntries(Object.entries(block).filter(([key]) => !ORDERING_ONLY.has(key)));
        this.byAddress.set(address, { type, name, address, config });
      }
    }
  }

  /** The resource types the plan declares a resource of, in its order. */
  get types(): string[] {
    return Object.entries(this.plan.resource ?? {})
      .filter(([, resources]) => Object.keys(resources).length > 0)
      .map(([type]) => type);
  }

  /** The data sources the plan declares, as `[type, names]`. */
  get dataSources(): [string, string[]][] {
    return Object.entries(this.plan.data ?? {}).map(([type, sources]) => [type, Object.keys(sources)]);
  }

  get outputs(): Record<string, { value: unknown }> {
    return this.plan.output ?? {};
  }

  /** Every resource of a type, in the plan's order. */
  all(type: string): PlanResource[] {
    return Object.keys(this.plan.resource?.[type] ?? {}).map((name) => this.resource(type, name));
  }

  declares(type: string, name: string): boolean {
    return this.byAddress.has(`${type}.${name}`);
  }

  resource(type: string, name: string): PlanResource {
    const found = this.byAddress.get(`${type}.${name}`);
    if (!found) throw new PlanError(`${type}.${name} is referenced but not declared`);
    return found;
  }

  /**
   * The one resource of `type` that an argument of `from` refers to, e.g. the function a mapping's
   * `function_name` names. `argument` is a path into nested blocks: `environment.variables.TABLE`.
   */
  referencedBy(from: PlanResource, argument: string, type: string): PlanResource {
    const targets = this.references(from, argument).filter(([refType]) => refType === type);
    const names = [...new Set(targets.map(([, name]) => name))];
    if (names.length !== 1) {
      throw new PlanError(
        `${from.address}: ${argument} refers to ${names.length === 0 ? "no" : names.length} ${type}, expected one`,
      );
    }
    if (!this.declares(type, names[0])) {
      throw new PlanError(`${from.address}: ${argument} refers to ${type}.${names[0]}, which is not declared`);
    }
    return this.resource(type, names[0]);
  }

  /** The resources of `type` whose `argument` refers to `target`, e.g. the mappings on a queue. */
  referrers(type: string, argument: string, target: PlanResource): PlanResource[] {
    return this.all(type).filter((resource) =>
      this.references(resource, argument).some(([refType, name]) => `${refType}.${name}` === target.address),
    );
  }

  /** The one resource of `type` whose `argument` refers to `target`. */
  referrer(type: string, argument: string, target: PlanResource): PlanResource {
    const found = this.referrers(type, argument, target);
    if (found.length !== 1) {
      throw new PlanError(
        `${target.address}: ${found.length === 0 ? `no ${type} refers` : `${found.length} ${type} refer`} to it by ${argument}, expected one`,
      );
    }
    return found[0];
  }

  /** The `[type, name]` of every resource an argument's expression refers to; none when it is unset. */
  private references(from: PlanResource, argument: string): [string, string][] {
    let value: unknown = from.config;
    for (const key of argument.split(".")) {
      value = value !== null && typeof value === "object" ? (value as Block)[key] : undefined;
    }
    if (typeof value !== "string") return [];
    try {
      return referencesIn(value)
        .filter((path) => path.length === 3 && path[0] !== "data" && path[0] !== "var")
        .map(([type, name]) => [type, name]);
    } catch (error) {
      if (error instanceof ExpressionError) throw new PlanError(`${from.address}.${argument}: ${error.message}`);
      throw error;
    }
  }
}
