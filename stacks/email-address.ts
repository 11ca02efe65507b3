/**
 * The one rule for an address that mail can reach, shared by synth (a given variable is checked
 * at once) and by the Terraform variables that ask for it at deployment (the same patterns as RE2).
 */

/** Something@domain.tld, without spaces; the patterns are written to mean the same in JS and RE2. */
export const ADDRESS_PATTERN = "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$";

/**
 * Domains reserved for documentation and testing, where no mailbox can exist or be verified in SES:
 * example.com/.net/.org (RFC 2606 §3) and the .example, .test, .invalid and .localhost TLDs
 * (RFC 2606 §2), with any subdomain. Matched case-insensitively.
 */
export const RESERVED_DOMAIN_PATTERN = "@(.+\\.)?(example\\.(com|net|org)|example|test|invalid|localhost)$";

/** Why mail cannot reach `value`, as the end of a sentence naming the variable; undefined when it can. */
export function undeliverableReason(value: string): string | undefined {
  if (!new RegExp(ADDRESS_PATTERN).test(value)) return `must be an e-mail address, got "${value}"`;
  if (new RegExp(RESERVED_DOMAIN_PATTERN, "i").test(value))
    return `is at a domain reserved for examples (${value}), where no mail can be delivered: use a real address`;
  return undefined;
}
