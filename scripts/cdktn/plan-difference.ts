/**
 * The difference between two synthesized Terraform JSON documents of a stack, as a reviewer reads
 * it: leaves that differ, by path, after what churns without meaning is normalized as the HCL
 * snapshots do (asset hashes, the provider's version; keys are compared whatever their order).
 */

export interface Difference {
  stack: string;
  /** Dotted path of the leaf, e.g. `terraform.required_providers.aws.source`. */
  path: string;
  /** JSON of the value in each build; undefined where the build has no such leaf. */
  cdktf?: string;
  cdktn?: string;
}

/** A difference the migration is known to make, and why it is harmless or intended. */
export interface ExplainedDifference {
  path: string;
  cdktf: string;
  cdktn: string;
  reason: string;
}

const ASSET_HASH = /(assets\/[^/"]+\/)[0-9A-F]{32}(\/)/g;

function normalize(path: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (/^terraform\.required_providers\.[^.]+\.version$/.test(path)) return "<PROVIDER_VERSION>";
  if (path.endsWith(".source_code_hash") && /^[0-9A-F]{32}$/.test(value)) return "<ASSET_HASH>";
  return value.replace(ASSET_HASH, "$1<ASSET_HASH>$2");
}

/** Every leaf of a JSON document by its dotted path (array items by index). */
function leaves(value: unknown, path = "", out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) out.set(path, JSON.stringify(value));
    for (const [key, child] of entries) leaves(child, path ? `${path}.${key}` : key, out);
  } else {
    out.set(path, JSON.stringify(normalize(path, value)));
  }
  return out;
}

/** The leaves that differ between the cdktf and the cdktn document of one stack, sorted by path. */
export function planDifferences(stack: string, cdktf: unknown, cdktn: unknown): Difference[] {
  const before = leaves(cdktf);
  const after = leaves(cdktn);
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  return paths
    .filter((path) => before.get(path) !== after.get(path))
    .map((path) => ({ stack, path, cdktf: before.get(path), cdktn: after.get(path) }));
}

/** The explanation of a difference: same path, same values on both sides. */
export function explanationOf(
  difference: Difference,
  explained: ExplainedDifference[],
): ExplainedDifference | undefined {
  return explained.find(
    (e) => e.path === difference.path && e.cdktf === difference.cdktf && e.cdktn === difference.cdktn,
  );
}

/** What fails the check: differences nobody explained, and explanations no difference needs any more. */
export function unexplained(
  differences: Difference[],
  explained: ExplainedDifference[],
): { differences: Difference[]; stale: ExplainedDifference[] } {
  return {
    differences: differences.filter((d) => !explanationOf(d, explained)),
    stale: explained.filter((e) => !differences.some((d) => explanationOf(d, [e]))),
  };
}
