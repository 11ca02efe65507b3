import { hclRisks } from "../../scripts/cdktn/hcl-risks";
import { fanoutStack, committedSettings, synthJson, bootstrapStack } from "../support/synth";

describe("what cdktn's HCL renderer would get wrong", () => {
  it("finds nothing in the project's stacks", () => {
    expect(hclRisks(synthJson(fanoutStack(committedSettings("prod"))))).toEqual([]);
    expect(hclRisks(synthJson(bootstrapStack()))).toEqual([]);
  });

  it("names lifecycle conditions, other terraform members and top-level blocks added by override", () => {
    const plan = {
      terraform: { required_providers: {}, backend: {}, required_version: ">= 1.10" },
      resource: { aws_sqs_queue: { q: { lifecycle: { postcondition: [{ condition: "true" }] } } } },
      data: { aws_partition: { p: { lifecycle: { precondition: [{ condition: "true" }] } } } },
      check: { health: {} },
    };
    expect(hclRisks(plan)).toEqual([
      "check",
      "terraform.required_version",
      "aws_sqs_queue.q.lifecycle.postcondition",
      "data.aws_partition.p.lifecycle.precondition",
    ]);
  });
});
