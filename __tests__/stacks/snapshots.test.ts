import { execFileSync, spawnSync } from "node:child_process";
import { ENVIRONMENT_NAMES } from "../../stacks/environments";
import { bootstrapStack, committedSettings, fakeBundleRoot, fanoutStack, reviewableHcl } from "../support/synth";

const terraformOnPath = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;

/** Each committed stack's reviewable HCL, synthesized once for the tests that read it. */
const synthesized = new Map<string, Promise<string>>();
function committedHcl(name: string): Promise<string> {
  if (!synthesized.has(name)) {
    const stack = name === "state-bootstrap" ? bootstrapStack() : fanoutStack(committedSettings(name as never));
    synthesized.set(name, reviewableHcl(stack));
  }
  return synthesized.get(name)!;
}

describe("HCL as a reviewer reads it", () => {
  it.each(ENVIRONMENT_NAMES)("order-fanout-%s matches its snapshot", async (name) => {
    expect(await committedHcl(name)).toMatchSnapshot();
  });

  it("state-bootstrap matches its snapshot", async () => {
    expect(await committedHcl("state-bootstrap")).toMatchSnapshot();
  });

  it("does not change when a handler's code changes", async () => {
    const settings = committedSettings("prod");
    const before = await reviewableHcl(fanoutStack(settings, fakeBundleRoot("exports.handler = async () => 1;\n")));
    const after = await reviewableHcl(fanoutStack(settings, fakeBundleRoot("exports.handler = async () => 2;\n")));
    expect(after).toEqual(before);
  });

  it("holds no absolute path", async () => {
    const hcl = await committedHcl("dev");
    expect(hcl).not.toContain(process.cwd());
    expect(hcl).not.toMatch(/"\/(tmp|home|root|Users|work)\//);
  });

  (terraformOnPath ? it.each : it.skip.each)([...ENVIRONMENT_NAMES, "state-bootstrap"])(
    "%s parses with terraform fmt",
    async (name) => {
      const hcl = await committedHcl(name);
      expect(() =>
        execFileSync("terraform", ["fmt", "-"], { input: hcl, stdio: ["pipe", "ignore", "pipe"] }),
      ).not.toThrow();
    },
  );
});
