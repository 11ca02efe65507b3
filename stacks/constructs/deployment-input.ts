import { Construct } from "constructs";
import { Fn, Op, TerraformVariable } from "cdktf";
import { ADDRESS_PATTERN, RESERVED_DOMAIN_PATTERN } from "../email-address";

export interface EmailInputProps {
  /** The Terraform variable, e.g. `sender_email`. */
  readonly name: string;
  /** The environment variable that supplies it at synth, e.g. `ORDER_FANOUT_DEV_SENDER_EMAIL`. */
  readonly envVariable: string;
  /** Its value at synth, already checked there; unset, the deployment stops and asks for it. */
  readonly value?: string;
  /** What the address is for, one sentence ending with a period; the variable's description and its error message quote it. */
  readonly description: string;
}

/**
 * An e-mail address that only a deployment needs, as a Terraform variable. Synth, tests and plan
 * review work without it; `terraform plan` and `cdktf deploy` stop before creating anything,
 * naming the environment variable to set, while it is unset or at a reserved example domain.
 * Terraform validates a variable's default as well as a value given with `-var` or `TF_VAR_*`.
 */
export function emailInput(scope: Construct, props: EmailInputProps): TerraformVariable {
  const variable = new TerraformVariable(scope, props.name, {
    type: "string",
    default: props.value ?? "",
    description: `${props.description} Set ${props.envVariable} before synth, or pass TF_VAR_${props.name}.`,
  });
  const address = variable.stringValue;
  // cdktf writes a string argument into the expression as is, and HCL reads `\\` as one backslash.
  const hclString = (text: string) => text.replace(/\\/g, "\\\\");
  variable.addValidation({
    condition: Op.and(
      Fn.can(Fn.regex(hclString(ADDRESS_PATTERN), address)),
      Op.not(Fn.can(Fn.regex(hclString(`(?i)${RESERVED_DOMAIN_PATTERN}`), address))),
    ),
    errorMessage:
      `${props.envVariable} is unset or not a deliverable e-mail address (reserved example domains are refused). ` +
      `Set it to ${props.description.replace(/\.$/, "").toLowerCase()} before synth, or pass TF_VAR_${props.name}.`,
  });
  return variable;
}

export interface AccountIdsInputProps {
  /** The environment variable that supplies them at synth, e.g. `ORDER_FANOUT_PROD_ACCOUNT_IDS`. */
  readonly envVariable: string;
  /** Their values at synth, already checked there; empty, the deployment stops and asks for them. */
  readonly value: string[];
}

/**
 * The accounts an AWS environment may deploy to, as the Terraform variable `account_ids` that the
 * provider's `allowed_account_ids` takes: synth and tests work without it, `terraform plan` and
 * `cdktf deploy` stop before anything is created while it is empty or holds anything but 12-digit
 * account ids, naming the environment variable to set. A deployment can no longer reach an account
 * it was not meant for because nobody set the pin.
 */
export function accountIdsInput(scope: Construct, props: AccountIdsInputProps): TerraformVariable {
  const variable = new TerraformVariable(scope, "account_ids", {
    type: "list(string)",
    default: props.value,
    description: `The AWS account ids this environment may deploy to. Set ${props.envVariable} before synth, or pass TF_VAR_account_ids.`,
  });
  variable.addValidation({
    // At least one id, each of 12 digits: the ids joined must read as such a list.
    condition: Fn.can(Fn.regex("^[0-9]{12}(,[0-9]{12})*$", Fn.join(",", variable.listValue))),
    errorMessage:
      `${props.envVariable} is unset or holds something other than 12-digit account ids: ` +
      `set it to the account ids this environment deploys to (comma-separated) before synth, or pass TF_VAR_account_ids.`,
  });
  return variable;
}
