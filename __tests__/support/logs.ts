import { logger } from "../../lambda-src/shared/logger";

/**
 * What a handler logs, as Powertools writes it: JSON lines on stdout (INFO) and stderr (WARN,
 * ERROR). Tests run with POWERTOOLS_LOG_LEVEL=SILENT (see setup.ts); this turns INFO on while `run` runs.
 */
export async function logsOf(run: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const written: string[] = [];
  const capture = (chunk: string | Uint8Array) => (written.push(String(chunk)), true);
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, "write").mockImplementation(capture);
  const level = logger.getLevelName();
  logger.setLogLevel("INFO");
  try {
    await run().catch(() => undefined);
  } finally {
    logger.setLogLevel(level);
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return written
    .flatMap((chunk) => chunk.split("\n"))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, any>);
}
