/** The CloudWatch EMF documents (Powertools Metrics) a run writes to stdout, parsed. */
export async function emfDocumentsOf(run: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const written: string[] = [];
  const stdout = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
  try {
    await run().catch(() => undefined);
  } finally {
    stdout.mockRestore();
  }
  return written
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, any>);
}

/** The metric definitions of an EMF document: name and unit, by name. */
export function definitionsOf(document: Record<string, any>): Record<string, string> {
  const [directive] = document._aws.CloudWatchMetrics;
  return Object.fromEntries((directive.Metrics as { Name: string; Unit: string }[]).map((m) => [m.Name, m.Unit]));
}
