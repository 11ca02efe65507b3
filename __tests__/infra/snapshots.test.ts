import { execFileSync, spawnSync } from "node:child_process";
import { ENVIRONMENT_NAMES } from "../../stacks/environments";
import { bootstrapStack, committedSettings, fakeBundleRoot, fanoutStack, reviewableHcl } from "../support/synth";

const terraformOnPath = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;

describe("HCL as a reviewer reads it", () => {
  it.each(ENVIRONMENT_NAMES)("order-fanout-%s matches its snapshot", async (name) => {
    expect(await reviewableHcl(fanoutStack(committedSettings(name)))).toMatchSnapshot();
  });

  it("state-bootstrap matches its snapshot", async () => {
    expect(await reviewableHcl(bootstrapStack())).toMatchSnapshot();
  });

  it("does not change when a handler's code changes", async () => {
    const settings = committedSettings("prod");
    const before = await reviewableHcl(fanoutStack(settings, fakeBundleRoot("exports.handler = async () => 1;\n")));
    const after = await reviewableHcl(fanoutStack(settings, fakeBundleRoot("exports.handler = async () => 2;\n")));
    expect(after).toEqual(before);
  });

  it("holds no absolute path", async () => {
    const hcl = await reviewableHcl(fanoutStack(committedSettings("dev")));
    expect(hcl).not.toContain(process.cwd());
    expect(hcl).not.toMatch(/"\/(tmp|home|root|Users|work)\//);
  });

  (terraformOnPath ? it.each : it.skip.each)([...ENVIRONMENT_NAMES, "state-bootstrap"])(
    "%s parses with terraform fmt",
    async (name) => {
      const stack = name === "state-bootstrap" ? bootstrapStack() : fanoutStack(committedSettings(name as never));
      const hcl = await reviewableHcl(stack);
      expect(() =>
        execFileSync("terraform", ["fmt", "-"], { input: hcl, stdio: ["pipe", "ignore", "pipe"] }),
      ).not.toThrow();
    },
  );
});
