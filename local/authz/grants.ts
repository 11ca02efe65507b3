/**
 * Which grants a run used: for each Allow statement of the roles' and the resources' policies, each
 * action it grants and how many requests it allowed. A grant no request used is a candidate for
 * removal, like IAM Access Analyzer's unused-access findings (`npm run ops -- unused-grants`).
 */
import { Authorizer } from "./authorizer";
import { globMatches } from "./policy";

export interface GrantReport {
  /** The role's or resource's ARN. */
  readonly owner: string;
  /** Where the statement is written: address and Sid. */
  readonly statement: string;
  readonly action: string;
  readonly resources: readonly string[];
  /** Requests this action of the statement allowed. */
  readonly uses: number;
}

export function grantsReport(authorizer: Authorizer): GrantReport[] {
  return authorizer.grants().flatMap(({ owner, uses }) =>
    uses
      .filter(({ statement }) => statement.effect === "Allow")
      .flatMap(({ statement, uses: used }) =>
        statement.actions.map((action) => ({
          owner,
          statement: statement.where,
          action,
          resources: statement.resources,
          uses: [...used].reduce(
            (sum, [request, count]) => (globMatches(action, request.split(" ")[0], true) ? sum + count : sum),
            0,
          ),
        })),
      ),
  );
}

/** Reports of several runs (one per end-to-end file) as one: a grant counts as used if any run used it. */
export function mergeGrantReports(reports: readonly GrantReport[][]): GrantReport[] {
  const merged = new Map<string, GrantReport>();
  for (const grant of reports.flat()) {
    const key = `${grant.owner} ${grant.statement} ${grant.action}`;
    const seen = merged.get(key);
    merged.set(key, seen ? { ...seen, uses: seen.uses + grant.uses } : grant);
  }
  return [...merged.values()];
}
