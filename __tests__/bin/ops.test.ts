/** `npm run ops` argument errors: each names what was wrong and the valid choices, exit 2, no AWS call. */
import { main } from "../../bin/ops";

async function run(...argv: string[]) {
  const errors: string[] = [];
  const spy = jest.spyOn(console, "error").mockImplementation((line: string) => void errors.push(line));
  try {
    return { status: await main(argv), stderr: errors.join("\n") };
  } finally {
    spy.mockRestore();
  }
}

it.each([
  [[], "no command given: use status, dlq list or dlq redrive"],
  [["frob", "--env", "local"], 'unknown command "frob": use status, dlq list or dlq redrive'],
  [["dlq", "purge", "billing", "--env", "local"], 'unknown command "dlq purge": use dlq list or dlq redrive'],
  [["status", "--env", "moon"], 'unknown environment "moon": use one of dev, staging, prod, local'],
  [["status"], "--env is required: one of dev, staging, prod, local"],
  [
    ["dlq", "list", "payroll", "--env", "local"],
    'unknown service "payroll": use one of inventory, billing, notification, review',
  ],
  [["dlq", "list", "--env", "local"], "dlq list takes one service: one of inventory, billing, notification, review"],
  [
    ["dlq", "redrive", "billing", "--env", "local", "--rate", "501"],
    '--rate must be a whole number from 1 to 500, got "501"',
  ],
  [
    ["dlq", "redrive", "billing", "--env", "local", "--rate", "2.5"],
    '--rate must be a whole number from 1 to 500, got "2.5"',
  ],
  [["status", "--env", "local", "--rate", "3"], "--rate is for dlq redrive"],
  [["dlq", "list", "billing", "--env", "local", "--json"], "--json is for status"],
  [["dlq", "list", "billing", "--env", "dev", "--data-dir", "x"], "--data-dir is for --env local"],
  [["status", "--env", "local", "--verbose"], "Unknown option '--verbose'"],
])("%j is a usage error", async (argv, message) => {
  const { status, stderr } = await run(...argv);
  expect(status).toBe(2);
  expect(stderr).toContain(message);
  expect(stderr).toMatch(/^ops: .*\(see --help\)$/);
});

it("says in one line that nothing answers when the local runtime is not running", async () => {
  const previous = process.env.AWS_ENDPOINT_URL_SQS;
  process.env.AWS_ENDPOINT_URL_SQS = "http://127.0.0.1:9";
  try {
    const { status, stderr } = await run("dlq", "redrive", "billing", "--env", "local");
    expect(status).toBe(1);
    expect(stderr).toBe(
      "ops: nothing answers at http://127.0.0.1:9: start the local runtime (npm start), or point AWS_ENDPOINT_URL_SQS at it",
    );
  } finally {
    if (previous === undefined) delete process.env.AWS_ENDPOINT_URL_SQS;
    else process.env.AWS_ENDPOINT_URL_SQS = previous;
  }
});
