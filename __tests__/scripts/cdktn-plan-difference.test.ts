import { planDifferences, unexplained } from "../../scripts/cdktn/plan-difference";
import { EXPLAINED_DIFFERENCES } from "../../scripts/cdktn/explained-differences";
import { renderReport } from "../../scripts/cdktn/difference-report";

const HASH_A = "0123456789ABCDEF0123456789ABCDEF";
const HASH_B = "FEDCBA9876543210FEDCBA9876543210";

function plan(overrides: { version?: string; source?: string; hash?: string; tool?: string; memory?: number }) {
  const hash = overrides.hash ?? HASH_A;
  return {
    "//": { metadata: { version: overrides.tool ?? "0.21.0" } },
    terraform: {
      required_providers: { aws: { source: overrides.source ?? "aws", version: overrides.version ?? "6.25.0" } },
    },
    resource: {
      aws_lambda_function: {
        api: {
          filename: `assets/api/${hash}/archive.zip`,
          source_code_hash: hash,
          memory_size: overrides.memory ?? 512,
        },
      },
    },
  };
}

describe("the plan difference between the builds", () => {
  it("ignores the provider's version, asset hashes and key order", () => {
    const reordered = Object.fromEntries(Object.entries(plan({ version: "6.66.0", hash: HASH_B })).reverse());
    expect(planDifferences("s", plan({}), reordered)).toEqual([]);
  });

  it("lists every other leaf that differs, by path, absent ones too", () => {
    const after = plan({ source: "hashicorp/aws", memory: 1024 }) as any;
    after.resource.aws_lambda_function.api.timeout = 10;
    expect(planDifferences("s", plan({}), after)).toEqual([
      { stack: "s", path: "resource.aws_lambda_function.api.memory_size", cdktf: "512", cdktn: "1024" },
      { stack: "s", path: "resource.aws_lambda_function.api.timeout", cdktf: undefined, cdktn: "10" },
      { stack: "s", path: "terraform.required_providers.aws.source", cdktf: '"aws"', cdktn: '"hashicorp/aws"' },
    ]);
  });

  it("accepts the listed differences and fails on any other, or on the same path with other values", () => {
    const known = planDifferences("s", plan({}), plan({ tool: "0.24.0", source: "hashicorp/aws" }));
    expect(unexplained(known, EXPLAINED_DIFFERENCES)).toEqual({ differences: [], stale: [] });

    const other = planDifferences("s", plan({}), plan({ tool: "0.24.0", source: "hashicorp/aws", memory: 1024 }));
    expect(unexplained(other, EXPLAINED_DIFFERENCES).differences.map((d) => d.path)).toEqual([
      "resource.aws_lambda_function.api.memory_size",
    ]);
    const changedValue = planDifferences("s", plan({}), plan({ tool: "0.25.0", source: "hashicorp/aws" }));
    expect(unexplained(changedValue, EXPLAINED_DIFFERENCES).differences.map((d) => d.path)).toEqual([
      "//.metadata.version",
    ]);
  });

  it("fails on an explanation no difference needs any more", () => {
    const onlySource = planDifferences("s", plan({}), plan({ source: "hashicorp/aws" }));
    expect(unexplained(onlySource, EXPLAINED_DIFFERENCES).stale.map((e) => e.path)).toEqual(["//.metadata.version"]);
  });

  it("writes each difference with its reason, and marks one without", () => {
    const differences = planDifferences("order-fanout-dev", plan({}), plan({ tool: "0.24.0", memory: 1024 }));
    const report = renderReport(
      [{ stack: "order-fanout-dev", providerVersions: { cdktf: "6.25.0", cdktn: "6.66.0" }, differences }],
      EXPLAINED_DIFFERENCES,
    );
    expect(report).toContain("AWS provider: 6.25.0 → 6.66.0");
    expect(report).toContain(`| \`//.metadata.version\` | \`"0.21.0"\` | \`"0.24.0"\` | The library's own version`);
    expect(report).toContain("| `resource.aws_lambda_function.api.memory_size` | `512` | `1024` | **NOT EXPLAINED** |");
  });
});
