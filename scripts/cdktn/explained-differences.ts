import { ExplainedDifference } from "./plan-difference";

/**
 * Every way the cdktn build's Terraform JSON differs from the cdktf build's, in every stack, and
 * why. `npm run cdktn` fails on a difference missing here and on an entry no difference needs.
 * The provider's version (6.25 → 6.66) is normalized away and shown apart in the report.
 */
export const EXPLAINED_DIFFERENCES: ExplainedDifference[] = [
  {
    path: "//.metadata.version",
    cdktf: '"0.21.0"',
    cdktn: '"0.24.0"',
    reason:
      "The library's own version, recorded in the stack's metadata. Terraform ignores `//` keys: no resource changes.",
  },
  {
    path: "terraform.required_providers.aws.source",
    cdktf: '"aws"',
    cdktn: '"hashicorp/aws"',
    reason:
      "cdktn's prebuilt provider writes the provider's address in full. Terraform reads `aws` as " +
      "`registry.terraform.io/hashicorp/aws`, so both name the same provider: the state and " +
      "`.terraform.lock.hcl` are keyed by that address and do not change.",
  },
];
