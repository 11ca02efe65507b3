import { formatUnusedGrants } from "../../../local/authz/unused-grants";
import { mergeGrantReports } from "../../../local/authz/grants";

const grant = (action: string, uses: number, statement = "aws_iam_role_policy.p statement #1") => ({
  owner: "arn:aws:iam::000000000000:role/app-role",
  statement,
  action,
  resources: ["*"],
  uses,
});

describe("the unused-grant report", () => {
  it("counts a grant used when any run used it", () => {
    const merged = mergeGrantReports([[grant("sqs:ReceiveMessage", 0)], [grant("sqs:ReceiveMessage", 3)]]);
    expect(merged).toEqual([grant("sqs:ReceiveMessage", 3)]);
  });

  it("gives the reason a grant is unused locally, and counts the rest as findings", () => {
    const { text, unexplained } = formatUnusedGrants([
      grant("logs:PutLogEvents", 0),
      grant("sqs:ChangeMessageVisibility", 0),
      grant("sqs:ReceiveMessage", 12),
    ]);
    expect(unexplained).toBe(1);
    expect(text).toMatch(/^3 grants, 1 used, 2 unused \(1 for no known reason\)/);
    expect(text).toMatch(/logs:PutLogEvents .*\n\s+unused locally: Lambda delivers the function's logs/);
    expect(text).toMatch(/sqs:ChangeMessageVisibility .*\n\s+UNUSED: remove it, or add the reason it is needed/);
  });
});
