import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AssetType, TerraformAsset, TerraformStack, Testing } from "cdktf";
import { assetHashOf, InvocationError, InvocationTimeoutError } from "../../../local/runtime/function-host";

describe("the function host", () => {
  it("finds a bundle by the same hash cdktf writes as the function's source_code_hash", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "asset-hash-")), "fn.zip");
    fs.writeFileSync(file, "exports.handler = async () => 42;\n");
    const asset = new TerraformAsset(new TerraformStack(Testing.app(), "s"), "bundle", {
      path: file,
      type: AssetType.FILE,
    });
    expect(assetHashOf(file)).toBe(asset.assetHash);
  });

  it("tells a timeout by its type, not by its message", () => {
    const timeout = new InvocationTimeoutError("billing", 3);
    expect(timeout).toBeInstanceOf(InvocationError);
    expect(timeout.message).toBe("billing: timed out after 3 s");
    expect(new InvocationError("billing", "timed out of patience")).not.toBeInstanceOf(InvocationTimeoutError);
  });
});
