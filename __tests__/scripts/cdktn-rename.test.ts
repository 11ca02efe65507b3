import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { CDKTN_ENGINES, renameImports, renamePackageJson, unmappableImports } from "../../scripts/cdktn/rename";

const ROOT = path.join(__dirname, "..", "..");
// Built from parts so that this file's own text imports nothing the rename would act on.
const CDKTF = "cdktf";
const imports = (specifier: string) => `import { X } from "${specifier}";\n`;

describe("the cdktf → cdktn rename", () => {
  it("renames the public API, the jest adapter, hcl-tools and deep provider imports", () => {
    const source = [
      `import { App, Fn } from "${CDKTF}";`,
      `import "${CDKTF}/lib/testing/adapters/jest";`,
      `import { format } from "@${CDKTF}/hcl-tools";`,
      `import { SqsQueue } from '@${CDKTF}/provider-aws/lib/sqs-queue';`,
      `const { Testing } = require("${CDKTF}");`,
      `// ${CDKTF} in a comment stays, and so does "${CDKTF}.out" in a string`,
    ].join("\n");
    expect(renameImports(source)).toBe(
      [
        `import { App, Fn } from "cdktn";`,
        `import "cdktn/lib/testing/adapters/jest";`,
        `import { format } from "@cdktn/hcl-tools";`,
        `import { SqsQueue } from '@cdktn/provider-aws/lib/sqs-queue';`,
        `const { Testing } = require("cdktn");`,
        `// ${CDKTF} in a comment stays, and so does "${CDKTF}.out" in a string`,
      ].join("\n"),
    );
  });

  it.each([
    [`${CDKTF}/lib/private/fs`, "a private module"],
    [`@${CDKTF}/provider-aws`, "the provider's root"],
    [`@${CDKTF}/provider-aws/lib/sqs-queue/index-structs`, "a module inside a provider class's folder"],
    [`@${CDKTF}/provider-random/lib/id`, "another provider"],
    [`${CDKTF}-cli/bin/cmds`, "the CLI"],
  ])("refuses %s (%s)", (specifier) => {
    expect(unmappableImports(imports(specifier))).toEqual([specifier]);
    expect(() => renameImports(imports(specifier))).toThrow(`no cdktn module for "${specifier}"`);
  });

  it("finds nothing unmappable in the project's tracked sources", () => {
    const files = execFileSync("git", ["ls-files", "*.ts", "*.mts", "*.js", "*.mjs", "*.cjs"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .filter((file) => file && fs.existsSync(path.join(ROOT, file)));
    expect(files.length).toBeGreaterThan(100);
    const found = files.flatMap((file) =>
      unmappableImports(fs.readFileSync(path.join(ROOT, file), "utf8")).map((m) => `${file}: ${m}`),
    );
    expect(found).toEqual([]);
  });

  it("renames the packages, pins cdktn's versions and constructs in its range, and states cdktn's Node", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const renamed = renamePackageJson(pkg);
    expect(renamed.dependencies).toMatchObject({
      cdktn: "0.24.0",
      "@cdktn/provider-aws": "25.7.0",
      constructs: "10.7.2",
    });
    expect(renamed.devDependencies).toMatchObject({ "cdktn-cli": "0.24.0", "@cdktn/hcl-tools": "0.24.0" });
    const names = Object.keys({ ...renamed.dependencies, ...renamed.devDependencies });
    expect(names.filter((name) => name.includes(CDKTF))).toEqual([]);
    expect(renamed.engines).toEqual({ node: CDKTN_ENGINES });
    expect(renamed.scripts).toEqual(pkg.scripts);
  });

  it("refuses a cdktf package it has no cdktn name for", () => {
    expect(() => renamePackageJson({ dependencies: { [`@${CDKTF}/provider-random`]: "1.0.0" } })).toThrow(
      `package.json: no cdktn package for @${CDKTF}/provider-random`,
    );
  });
});
