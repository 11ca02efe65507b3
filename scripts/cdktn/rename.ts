/**
 * The cdktf → cdktn rename, as text: package.json's dependencies and the module specifiers of
 * imports. Only what maps one to one is renamed; anything else is reported, never guessed at.
 */

/** cdktn's packages and the versions this project is proven on (docs/migration-cdktn.md). */
export const CDKTN_PACKAGES: Record<string, { name: string; version: string }> = {
  cdktf: { name: "cdktn", version: "0.24.0" },
  "cdktf-cli": { name: "cdktn-cli", version: "0.24.0" },
  "@cdktf/provider-aws": { name: "@cdktn/provider-aws", version: "25.7.0" },
  "@cdktf/hcl-tools": { name: "@cdktn/hcl-tools", version: "0.24.0" },
  // cdktn and its provider want constructs >= 10.6 and < 10.8.
  constructs: { name: "constructs", version: "10.7.2" },
};

/** cdktn-cli needs Node >= 22.19; Node 22 below 22.22.2 is not supported by this project. */
export const CDKTN_ENGINES = "^22.22.2 || >=24";

export interface PackageJson {
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [key: string]: unknown;
}

function renameDependencies(deps: Record<string, string> = {}): Record<string, string> {
  const renamed = Object.entries(deps).map(([name, version]) => {
    const target = CDKTN_PACKAGES[name];
    return target ? [target.name, target.version] : [name, version];
  });
  return Object.fromEntries(renamed.sort(([a], [b]) => (a < b ? -1 : 1))) as Record<string, string>;
}

/** package.json of the cdktn variant: the same project on cdktn's packages and Node versions. */
export function renamePackageJson(pkg: PackageJson): PackageJson {
  const unmapped = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
    (name) => (name.startsWith("@cdktf/") || name.startsWith("cdktf")) && !CDKTN_PACKAGES[name],
  );
  if (unmapped.length > 0) throw new Error(`package.json: no cdktn package for ${unmapped.join(", ")}`);
  return {
    ...pkg,
    engines: { ...pkg.engines, node: CDKTN_ENGINES },
    dependencies: renameDependencies(pkg.dependencies),
    devDependencies: renameDependencies(pkg.devDependencies),
  };
}

/**
 * The cdktn specifier for a cdktf one, or undefined when there is none to map to mechanically:
 * cdktf's private modules (`cdktf/lib/private/…`), the provider's root (it loads 2,200 modules; the
 * project imports by deep path) and any other provider or cdktf package.
 */
export function renameSpecifier(specifier: string): string | undefined {
  if (specifier === "cdktf") return "cdktn";
  if (specifier === "cdktf/lib/testing/adapters/jest") return "cdktn/lib/testing/adapters/jest";
  if (specifier === "@cdktf/hcl-tools") return "@cdktn/hcl-tools";
  const deep = /^@cdktf\/provider-aws\/lib\/([a-z0-9-]+)$/.exec(specifier);
  return deep ? `@cdktn/provider-aws/lib/${deep[1]}` : undefined;
}

// `from "x"`, `import "x"`, `import("x")`, `require("x")` of a cdktf module.
const IMPORT =
  /(\bfrom\s+|\bimport\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|\bjest\.mock\s*\(\s*)(["'])((?:cdktf|@cdktf\/)[^"']*)\2/g;

/** The cdktf modules a source file imports that have no mechanical cdktn name. */
export function unmappableImports(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => m[3]).filter((specifier) => !renameSpecifier(specifier));
}

/** The source with every cdktf import renamed; throws on one that cannot be. */
export function renameImports(source: string): string {
  return source.replace(IMPORT, (_whole, lead: string, quote: string, specifier: string) => {
    const renamed = renameSpecifier(specifier);
    if (!renamed) throw new Error(`no cdktn module for "${specifier}"`);
    return `${lead}${quote}${renamed}${quote}`;
  });
}
