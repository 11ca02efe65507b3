/**
 * What cdktn's HCL renderer is known to get wrong while JSON synth gets it right
 * (open-constructs/cdk-terrain#313): `lifecycle` preconditions and postconditions, `terraform {}`
 * members other than required_providers, backend and cloud, and top-level blocks added by override
 * (`check`, `removed`, `import`, `moved`). The stacks are reviewed and applied as HCL
 * (`npm run synth`), so a stack using any of these would deploy something else than it declares.
 */
const TERRAFORM_RENDERED = new Set(["required_providers", "backend", "cloud"]);
const TOP_LEVEL_RENDERED = new Set([
  "//",
  "terraform",
  "provider",
  "resource",
  "data",
  "variable",
  "output",
  "locals",
  "module",
]);

/** The paths in a stack's Terraform JSON that cdktn's HCL output would corrupt or drop. */
export function hclRisks(document: object): string[] {
  const plan = document as Record<string, unknown>;
  const risks = Object.keys(plan).filter((key) => !TOP_LEVEL_RENDERED.has(key));
  const terraform = (plan.terraform ?? {}) as Record<string, unknown>;
  risks.push(
    ...Object.keys(terraform)
      .filter((key) => !TERRAFORM_RENDERED.has(key))
      .map((key) => `terraform.${key}`),
  );
  for (const kind of ["resource", "data"]) {
    const blocks = (plan[kind] ?? {}) as Record<string, Record<string, { lifecycle?: Record<string, unknown> }>>;
    for (const [type, byName] of Object.entries(blocks))
      for (const [name, block] of Object.entries(byName))
        for (const condition of ["precondition", "postcondition"])
          if (block.lifecycle?.[condition] !== undefined)
            risks.push(`${kind === "data" ? "data." : ""}${type}.${name}.lifecycle.${condition}`);
  }
  return risks;
}
