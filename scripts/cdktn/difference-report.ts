import { Difference, ExplainedDifference, explanationOf } from "./plan-difference";

export interface StackComparison {
  stack: string;
  providerVersions: { cdktf: string; cdktn: string };
  differences: Difference[];
}

const cell = (value: string | undefined) => (value === undefined ? "(absent)" : `\`${value.replace(/\|/g, "\\|")}\``);

/** docs/cdktn-plan-difference.md: per stack, the provider versions and each difference with its reason. */
export function renderReport(stacks: StackComparison[], explained: ExplainedDifference[]): string {
  const lines = [
    "# Plan difference: cdktf build → cdktn build",
    "",
    "Written by `npm run cdktn` (docs/migration-cdktn.md): the Terraform JSON every stack synthesizes",
    "with cdktf 0.21 and `@cdktf/provider-aws`, against the same sources renamed to cdktn and",
    "`@cdktn/provider-aws`, keys sorted, asset hashes and the provider's version normalized as the HCL",
    "snapshots do. Every difference must have its reason in `scripts/cdktn/explained-differences.ts`.",
    "",
  ];
  for (const { stack, providerVersions, differences } of stacks) {
    lines.push(`## ${stack}`, "", `AWS provider: ${providerVersions.cdktf} → ${providerVersions.cdktn}`, "");
    if (differences.length === 0) {
      lines.push("No other difference.", "");
      continue;
    }
    lines.push("| path | cdktf | cdktn | reason |", "| --- | --- | --- | --- |");
    for (const difference of differences) {
      const reason = explanationOf(difference, explained)?.reason ?? "**NOT EXPLAINED**";
      lines.push(`| \`${difference.path}\` | ${cell(difference.cdktf)} | ${cell(difference.cdktn)} | ${reason} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}
