import { spawn } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import { Emulator, requireFreePort } from "../../local/emulation/emulators";

/**
 * fauxqs as a child process, for suites that run inside Jest: it is an ES module, which Jest's
 * CommonJS runtime cannot import (the local runtime imports it in its own process).
 */
export async function startFauxqsProcess(port: number): Promise<Emulator> {
  await requireFreePort(port, "fauxqs", "another port");
  const child = spawn(
    process.execPath,
    [path.join(__dirname, "..", "..", "node_modules", "fauxqs", "dist", "cli.js")],
    {
      env: { ...process.env, FAUXQS_PORT: String(port) },
      stdio: "ignore",
    },
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const listening = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(socket.end() !== undefined));
      socket.on("error", () => resolve(false));
    });
    if (listening) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill();
      throw new Error(`fauxqs did not listen on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
