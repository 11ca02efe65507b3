/**
 * The GitHub workflows and the composite actions they use, read as GitHub reads them, against the
 * project they run: the npm scripts and script files they call exist, every action from another
 * repository is pinned to a commit, a job that takes AWS credentials may ask for an OIDC token, the
 * plan review covers exactly the AWS environments, every stack Terraform is pointed at is one the
 * app synthesizes, Node is Lambda's major, and synth is given every ORDER_FANOUT_* variable
 * stacks/environments.ts reads, each from the repository variable of that name. Each check returns
 * the problems it found, naming file, job and step; the last block breaks a copy of the real files
 * in memory to show that every check can fail.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type Document, isPair, isScalar, parseDocument, visit } from "yaml";
import { LAMBDA_NODE_MAJOR } from "../../stacks/bundles";
import {
  ENVIRONMENT_NAMES,
  environmentSettings,
  stateBootstrapSettings,
  variableName,
} from "../../stacks/environments";

const ROOT = path.resolve(__dirname, "..", "..");
const WORKFLOWS = ".github/workflows";
const ACTIONS = ".github/actions";

const AWS_ENVIRONMENTS = ENVIRONMENT_NAMES.filter((name) => name !== "local");
const STACKS = new Set(ENVIRONMENT_NAMES.map((name) => `order-fanout-${name}`));

interface YamlFile {
  /** Relative to the repository, e.g. `.github/workflows/apply-dev.yml`. */
  readonly file: string;
  readonly doc: Document;
  readonly data: any;
}

/** Steps that run in one place: a workflow's job, or a composite action wherever it is used. */
interface Unit {
  readonly file: string;
  /** `job plan`, or `composite action` */
  readonly where: string;
  readonly steps: any[];
  /** The workflow's env under the job's, for the shell variables a step reads. */
  readonly env: Record<string, unknown>;
  readonly matrix?: any;
  /** The job's permissions, else the workflow's; undefined for a composite action. */
  readonly permissions?: unknown;
  /** The job's GitHub environment (its protection rules), if any. */
  readonly environment?: unknown;
  /** The jobs this one waits for. */
  readonly needs?: string[];
  /** For a composite action: the folder a step names in `uses: ./<folder>`. */
  readonly actionDir?: string;
  readonly inputDefaults?: Record<string, unknown>;
}

interface Project {
  readonly workflows: YamlFile[];
  readonly actions: YamlFile[];
  readonly units: Unit[];
  readonly scripts: Set<string>;
}

function readYaml(file: string, text: string): YamlFile {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join("; ")}`);
  return { file, doc, data: doc.toJS() };
}

function listFiles(): string[] {
  const workflows = fs.existsSync(path.join(ROOT, WORKFLOWS))
    ? fs
        .readdirSync(path.join(ROOT, WORKFLOWS))
        .filter((name) => /\.ya?ml$/.test(name))
        .map((name) => `${WORKFLOWS}/${name}`)
    : [];
  const actions = fs.existsSync(path.join(ROOT, ACTIONS))
    ? fs
        .readdirSync(path.join(ROOT, ACTIONS))
        .flatMap((dir) => ["action.yml", "action.yaml"].map((name) => `${ACTIONS}/${dir}/${name}`))
        .filter((file) => fs.existsSync(path.join(ROOT, file)))
    : [];
  return [...workflows, ...actions].sort();
}

/** The repository's workflows and actions, with `replaced` files read from memory instead. */
function loadProject(replaced: Record<string, string> = {}): Project {
  const files = listFiles().map((file) =>
    readYaml(file, replaced[file] ?? fs.readFileSync(path.join(ROOT, file), "utf8")),
  );
  const workflows = files.filter((f) => f.file.startsWith(`${WORKFLOWS}/`));
  const actions = files.filter((f) => f.file.startsWith(`${ACTIONS}/`));
  const units: Unit[] = [
    ...workflows.flatMap((w) =>
      Object.entries<any>(w.data?.jobs ?? {}).map(([id, job]) => ({
        file: w.file,
        where: `job ${id}`,
        steps: job?.steps ?? [],
        env: { ...w.data?.env, ...job?.env },
        matrix: job?.strategy?.matrix,
        permissions: job?.permissions ?? w.data?.permissions,
        environment: job?.environment,
        needs: job?.needs === undefined ? [] : [job.needs].flat(),
      })),
    ),
    ...actions.map((a) => ({
      file: a.file,
      where: "composite action",
      steps: a.data?.runs?.steps ?? [],
      env: {},
      actionDir: path.posix.dirname(a.file),
      inputDefaults: Object.fromEntries(
        Object.entries<any>(a.data?.inputs ?? {}).map(([name, input]) => [name, input?.default]),
      ),
    })),
  ];
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  return { workflows, actions, units, scripts: new Set(Object.keys(pkg.scripts)) };
}

/** The composite action a `uses: ./…` names, if it is one of the project's. */
function localAction(project: Project, uses: unknown): Unit | undefined {
  if (typeof uses !== "string" || !uses.startsWith("./")) return undefined;
  const dir = path.posix.normalize(uses.slice(2)).replace(/\/$/, "");
  return project.units.find((unit) => unit.actionDir === dir);
}

interface PlacedStep {
  readonly unit: Unit;
  readonly step: any;
  /** For messages: file, job or composite action, and step. */
  readonly where: string;
}

/** Every step of every job and composite action. */
function allSteps(project: Project): PlacedStep[] {
  return project.units.flatMap((unit) =>
    unit.steps.map((step, index) => ({
      unit,
      step,
      where: `${unit.file}, ${unit.where}, step ${index + 1}${step?.name ? ` "${step.name}"` : step?.uses ? ` (${step.uses})` : ""}`,
    })),
  );
}

// --- resolving `${{ … }}` and shell variables to every value they can take ---

const EXPRESSION = /\$\{\{\s*(.+?)\s*\}\}/;

function matrixValues(matrix: any, key: string): string[] {
  if (matrix === undefined || matrix === null) return [];
  const listed: unknown[] = Array.isArray(matrix[key]) ? matrix[key] : [];
  const included: unknown[] = Array.isArray(matrix.include) ? matrix.include.map((entry: any) => entry?.[key]) : [];
  return [...new Set([...listed, ...included].filter((v) => v !== undefined).map(String))];
}

/** Every value an expression can take in a unit, or undefined where this test cannot tell. */
function expressionValues(
  project: Project,
  unit: Unit,
  expression: string,
  seen = new Set<Unit>(),
): string[] | undefined {
  const matrix = /^matrix\.([\w-]+)$/.exec(expression);
  if (matrix) {
    const values = matrixValues(unit.matrix, matrix[1]);
    return values.length > 0 ? values : undefined;
  }
  const input = /^inputs\.([\w-]+)$/.exec(expression);
  if (input && unit.actionDir !== undefined && !seen.has(unit)) {
    const values: string[] = [];
    for (const { unit: caller, step } of allSteps(project)) {
      if (localAction(project, step?.uses) !== unit) continue;
      const raw = step?.with?.[input[1]] ?? unit.inputDefaults?.[input[1]];
      if (raw === undefined) continue;
      const expanded = expand(project, caller, String(raw), {}, new Set([...seen, unit]));
      if (expanded === undefined) return undefined;
      values.push(...expanded);
    }
    return values.length > 0 ? [...new Set(values)] : undefined;
  }
  return undefined;
}

const SHELL_VARIABLE = /\$\{?([A-Za-z_]\w*)\}?/;

/**
 * Every string `text` can become once its expressions and then its shell variables (from the step's
 * env over the unit's) are replaced, or undefined where some part cannot be told.
 */
function expand(
  project: Project,
  unit: Unit,
  text: string,
  stepEnv: Record<string, unknown>,
  seen = new Set<Unit>(),
): string[] | undefined {
  let token: RegExpExecArray | null;
  let values: string[] | undefined;
  if ((token = EXPRESSION.exec(text))) {
    values = expressionValues(project, unit, token[1], seen);
  } else if ((token = SHELL_VARIABLE.exec(text))) {
    const raw = stepEnv[token[1]] ?? unit.env[token[1]];
    const scalar = typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean";
    values = scalar ? expand(project, unit, String(raw), {}, seen) : undefined;
  } else {
    return [text];
  }
  if (values === undefined) return undefined;
  const results: string[] = [];
  for (const value of values) {
    const rest = expand(
      project,
      unit,
      text.replace(token[0], () => value),
      stepEnv,
      seen,
    );
    if (rest === undefined) return undefined;
    results.push(...rest);
  }
  return results;
}

// --- the checks ---

const NPM_SCRIPT = /\bnpm\s+(?:(?:run-script|run)(?:\s+--?[\w-]+(?:=\S*)?)*\s+([\w:.-]+)|(test|start|stop|restart)\b)/g;
const PROJECT_SCRIPT = /(?:^|[\s"'=])((?:\.\/)?scripts\/[\w./-]+)/g;

/** (a) Every npm script a `run:` calls is in package.json, and every scripts/ file it runs exists. */
function npmScriptProblems(project: Project): string[] {
  const problems: string[] = [];
  for (const { step, where } of allSteps(project)) {
    if (typeof step?.run !== "string") continue;
    for (const [, run, lifecycle] of step.run.matchAll(NPM_SCRIPT)) {
      const script = run ?? lifecycle;
      if (!project.scripts.has(script)) problems.push(`${where}: package.json has no script "${script}"`);
    }
    for (const [, file] of step.run.matchAll(PROJECT_SCRIPT)) {
      if (!fs.existsSync(path.join(ROOT, file))) problems.push(`${where}: ${file} does not exist`);
    }
  }
  return problems;
}

interface Use {
  readonly file: string;
  readonly uses: string;
  readonly comment: string;
}

function remoteUses(project: Project): Use[] {
  const found: Use[] = [];
  for (const { file, doc } of [...project.workflows, ...project.actions]) {
    visit(doc, {
      Pair(_, pair) {
        if (!isPair(pair) || !isScalar(pair.key) || pair.key.value !== "uses" || !isScalar(pair.value)) return;
        const uses = String(pair.value.value);
        if (!uses.startsWith("./")) found.push({ file, uses, comment: (pair.value.comment ?? "").trim() });
      },
    });
  }
  return found;
}

/**
 * (b) Every action (or reusable workflow) from another repository is pinned to a full commit SHA
 * with its release tag in a trailing comment, and each is pinned to the same commit everywhere.
 */
function pinProblems(project: Project): string[] {
  const problems: string[] = [];
  const pins = new Map<string, string>();
  for (const { file, uses, comment } of remoteUses(project)) {
    if (uses.startsWith("docker://")) {
      if (!/@sha256:[0-9a-f]{64}$/.test(uses)) problems.push(`${file}: ${uses} is not pinned to an image digest`);
      continue;
    }
    const [action, ref] = uses.split("@");
    if (ref === undefined || !/^[0-9a-f]{40}$/.test(ref)) {
      problems.push(`${file}: ${uses} is not pinned to a 40-character commit SHA`);
      continue;
    }
    if (!/^v\d+\.\d+\.\d+$/.test(comment)) {
      problems.push(`${file}: ${uses} has no release tag (# vX.Y.Z) in its trailing comment`);
    }
    const pin = `${ref} # ${comment}`;
    const earlier = pins.get(action);
    if (earlier !== undefined && earlier !== pin) {
      problems.push(`${file}: ${action} is pinned to ${pin} here and to ${earlier} elsewhere`);
    }
    pins.set(action, earlier ?? pin);
  }
  return problems;
}

const isAwsCredentials = (uses: unknown): boolean =>
  typeof uses === "string" && uses.startsWith("aws-actions/configure-aws-credentials@");

function usesAwsCredentials(project: Project, unit: Unit, seen = new Set<Unit>()): boolean {
  seen.add(unit);
  return unit.steps.some((step) => {
    if (isAwsCredentials(step?.uses)) return true;
    const action = localAction(project, step?.uses);
    return action !== undefined && !seen.has(action) && usesAwsCredentials(project, action, seen);
  });
}

/** (c) Every job that configures AWS credentials (itself or in an action it uses) may ask for an OIDC token. */
function oidcProblems(project: Project): string[] {
  return project.units
    .filter((unit) => unit.actionDir === undefined && usesAwsCredentials(project, unit))
    .filter((unit) => {
      const permissions = unit.permissions as any;
      return permissions !== "write-all" && permissions?.["id-token"] !== "write";
    })
    .map((unit) => `${unit.file}, ${unit.where}: configures AWS credentials without permissions id-token: write`);
}

/** The variable a job's configure-aws-credentials step assumes, for each matrix entry. */
function assumedRoles(unit: Unit): string[] {
  return unit.steps
    .filter((step) => isAwsCredentials(step?.uses))
    .flatMap((step) =>
      ((unit.matrix?.include ?? [{}]) as Record<string, unknown>[]).map((entry) =>
        evaluate(String(step.with?.["role-to-assume"] ?? ""), entry),
      ),
    )
    .map((value) => (value ?? "?").replace(/^vars:/, ""));
}

/**
 * (g) Code from a branch never runs with a deploy role: every job assumes an environment's
 * `_PLAN_ROLE_ARN` (read-only), except a job in a GitHub environment (its protection rules) that
 * waits for a plan job and applies the plan file that job saved, which may assume that
 * environment's `_APPLY_ROLE_ARN`, and runs no terraform plan of its own.
 */
function roleProblems(project: Project): string[] {
  const problems: string[] = [];
  for (const unit of project.units.filter((u) => u.actionDir === undefined)) {
    const where = `${unit.file}, ${unit.where}`;
    for (const role of assumedRoles(unit)) {
      const apply = /^ORDER_FANOUT_([A-Z]+)_APPLY_ROLE_ARN$/.exec(role);
      if (/^ORDER_FANOUT_[A-Z]+_PLAN_ROLE_ARN$/.test(role)) continue;
      if (!apply) {
        problems.push(`${where}: assumes ${role}, neither an environment's plan role nor its apply role`);
        continue;
      }
      const environment = apply[1].toLowerCase();
      if (unit.environment !== environment)
        problems.push(`${where}: assumes ${role} outside the protected GitHub environment ${environment}`);
      const runs = unit.steps.map((step) => String(step?.run ?? "")).join("\n");
      const usesPlan = unit.steps.some((step) => String(step?.uses ?? "").includes("terraform-plan"));
      if (usesPlan || /\bterraform\b.*\bplan\b/.test(runs))
        problems.push(`${where}: plans with ${role}; only the plan job plans, with the read-only role`);
      if (!/\bapply\b[^\n]*\btfplan\b/.test(runs)) problems.push(`${where}: does not apply the saved plan tfplan`);
      if (!unit.steps.some((step) => String(step?.uses ?? "").startsWith("actions/download-artifact@")))
        problems.push(`${where}: does not download the plan job's reviewed plan`);
      if (unit.needs?.length === 0) problems.push(`${where}: waits for no plan job`);
    }
  }
  return problems;
}

/**
 * (h) Before terraform plans, the account's real quotas are checked against what the plan asks
 * (npm run ops -- quotas): an apply the account would refuse fails before review, not after it.
 */
function quotaCheckProblems(project: Project): string[] {
  const action = project.units.find((unit) => unit.actionDir === `${ACTIONS}/terraform-plan`);
  if (action === undefined) return [`${ACTIONS}/terraform-plan/action.yml: missing`];
  const runs = action.steps.map((step) => String(step?.run ?? ""));
  const quotas = runs.findIndex((run) => /\bnpm run ops\b.*\bquotas --env\b/.test(run));
  const plan = runs.findIndex((run) => /\bterraform\b.*\bplan\b/.test(run));
  if (quotas === -1) return [`${action.file}: no step checks the account's quotas (npm run ops -- quotas)`];
  if (plan !== -1 && quotas > plan) return [`${action.file}: checks the account's quotas after terraform plan`];
  return [];
}

/** (d) The pull request's plan matrix is exactly the AWS environments, each with its name in capitals. */
function planMatrixProblems(project: Project): string[] {
  const file = `${WORKFLOWS}/pull-request.yml`;
  const plan = project.units.find((unit) => unit.file === file && unit.where === "job plan");
  if (plan === undefined) return [`${file}: no job plan`];
  const problems: string[] = [];
  const covered = matrixValues(plan.matrix, "env").sort();
  const expected = [...AWS_ENVIRONMENTS].sort();
  if (covered.join() !== expected.join()) {
    problems.push(
      `${file}, job plan: the matrix covers [${covered.join(", ")}], the AWS environments are [${expected.join(", ")}]`,
    );
  }
  for (const entry of plan.matrix?.include ?? []) {
    if (entry?.upper !== String(entry?.env).toUpperCase()) {
      problems.push(
        `${file}, job plan: matrix entry ${entry?.env} has upper ${entry?.upper}, not ${String(entry?.env).toUpperCase()}`,
      );
    }
  }
  return problems;
}

const TERRAFORM_CHDIR = /\bterraform\s+-chdir=(?:"([^"]*)"|'([^']*)'|(\S+))/g;

/** (e) Every `terraform -chdir=…` names cdktf.out/stacks/<stack> of a stack the app synthesizes. */
function stackProblems(project: Project): string[] {
  const problems: string[] = [];
  for (const { unit, step, where } of allSteps(project)) {
    if (typeof step?.run !== "string") continue;
    for (const [, doubleQuoted, singleQuoted, bare] of step.run.matchAll(TERRAFORM_CHDIR)) {
      const dir = singleQuoted ?? doubleQuoted ?? bare;
      // Single quotes keep shell variables as they are; expressions are replaced all the same.
      const values = expand(project, unit, dir, singleQuoted === undefined ? (step.env ?? {}) : {});
      if (values === undefined) {
        problems.push(`${where}: cannot tell which stack terraform -chdir=${dir} names`);
        continue;
      }
      for (const value of values) {
        const stack = /^cdktf\.out\/stacks\/([^/]+)\/?$/.exec(value)?.[1];
        if (stack === undefined || !STACKS.has(stack)) {
          problems.push(
            `${where}: terraform -chdir=${value} is not cdktf.out/stacks/ of one of ${[...STACKS].join(", ")}`,
          );
        }
      }
    }
  }
  return problems;
}

/** Every setup-node installs the Node major Lambda runs. */
function nodeVersionProblems(project: Project): string[] {
  return allSteps(project)
    .filter(({ step }) => typeof step?.uses === "string" && step.uses.startsWith("actions/setup-node@"))
    .filter(({ step }) => String(step.with?.["node-version"]) !== String(LAMBDA_NODE_MAJOR))
    .map(
      ({ step, where }) =>
        `${where}: node-version ${step.with?.["node-version"]}, Lambda runs Node ${LAMBDA_NODE_MAJOR}`,
    );
}

/** Every call of one of the project's composite actions passes only inputs it declares, and all it requires. */
function actionInputProblems(project: Project): string[] {
  const problems: string[] = [];
  for (const { step, where } of allSteps(project)) {
    if (typeof step?.uses !== "string" || !step.uses.startsWith("./")) continue;
    const action = localAction(project, step.uses);
    if (action === undefined) {
      problems.push(`${where}: no action at ${step.uses}`);
      continue;
    }
    const declared = project.actions.find((a) => a.file === action.file)?.data?.inputs ?? {};
    const given = Object.keys(step.with ?? {});
    for (const name of given.filter((name) => !(name in declared))) {
      problems.push(`${where}: ${action.file} has no input ${name}`);
    }
    for (const [name, input] of Object.entries<any>(declared)) {
      if (input?.required === true && input?.default === undefined && !given.includes(name)) {
        problems.push(`${where}: ${action.file} requires input ${name}`);
      }
    }
  }
  return problems;
}

/** The ORDER_FANOUT_* variables stacks/environments.ts reads to synthesize one environment. */
function variablesRead(name: (typeof AWS_ENVIRONMENTS)[number]): string[] {
  const read = new Set<string>();
  const env = new Proxy<NodeJS.ProcessEnv>(
    {},
    {
      get(_, key) {
        if (typeof key === "string") read.add(key);
        return undefined;
      },
    },
  );
  environmentSettings(name, env);
  stateBootstrapSettings(env);
  return [...read]
    .filter(
      (key) =>
        key.startsWith("ORDER_FANOUT_") &&
        (key === "ORDER_FANOUT_STATE_BUCKET" || key.startsWith(`ORDER_FANOUT_${name.toUpperCase()}_`)),
    )
    .sort();
}

/**
 * `${{ … }}` in a caller's `with:` for one matrix entry, with `vars.NAME` (also as
 * `vars[format('…{0}…', matrix.key)]`) written as `vars:NAME`; undefined for anything else.
 */
function evaluate(text: string, entry: Record<string, unknown>): string | undefined {
  let unknown = false;
  const value = text.replace(new RegExp(EXPRESSION.source, "g"), (_, expression: string) => {
    const matrix = /^matrix\.([\w-]+)$/.exec(expression);
    if (matrix && entry[matrix[1]] !== undefined) return String(entry[matrix[1]]);
    const plain = /^vars\.(\w+)$/.exec(expression);
    if (plain) return `vars:${plain[1]}`;
    const formatted = /^vars\[format\('([^']*)',\s*matrix\.([\w-]+)\)\]$/.exec(expression);
    if (formatted && entry[formatted[2]] !== undefined)
      return `vars:${formatted[1].replace("{0}", String(entry[formatted[2]]))}`;
    unknown = true;
    return "";
  });
  return unknown ? undefined : value;
}

/** What a step's bash script exports to `npm`, run as GitHub runs it with an `npm` that prints them. */
function exportedToNpm(script: string, env: Record<string, string>): Map<string, string> | string {
  const printEnv = `npm() { env | grep '^ORDER_FANOUT_' || true; }\n`;
  const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", printEnv + script], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    encoding: "utf8",
  });
  if (run.status !== 0) return run.stderr.trim();
  const lines = run.stdout.split("\n").filter(Boolean);
  return new Map(lines.map((line) => line.split(/=(.*)/s, 2) as [string, string]));
}

/**
 * Every call of the synth action hands `npm run synth` each variable stacks/environments.ts reads
 * for its environment, from the repository variable of the same name. The action's synth step runs
 * here in bash, for each matrix entry of each job that calls it.
 */
function synthVariableProblems(project: Project): string[] {
  const action = project.units.find((unit) => unit.actionDir === `${ACTIONS}/synth`);
  const synth = action?.steps.find((step) => typeof step?.run === "string" && /\bnpm run synth\b/.test(step.run));
  if (action === undefined || synth === undefined) return [`${ACTIONS}/synth/action.yml: no step runs npm run synth`];
  const problems: string[] = [];
  for (const { unit: caller, step, where } of allSteps(project)) {
    if (localAction(project, step?.uses) !== action) continue;
    for (const entry of (caller.matrix?.include ?? [{}]) as Record<string, unknown>[]) {
      const input = (name: string): string | undefined => {
        const raw = step.with?.[name] ?? action.inputDefaults?.[name];
        return raw === undefined ? "" : evaluate(String(raw), entry);
      };
      const environment = AWS_ENVIRONMENTS.find((name) => name === input("environment"));
      if (environment === undefined) {
        problems.push(`${where}: environment ${input("environment")} is not one of ${AWS_ENVIRONMENTS.join(", ")}`);
        continue;
      }
      const env: Record<string, string> = {};
      for (const [key, raw] of Object.entries<unknown>(synth.env ?? {})) {
        const named = /^\$\{\{\s*inputs\.([\w-]+)\s*\}\}$/.exec(String(raw));
        const value = named ? input(named[1]) : String(raw);
        if (value === undefined)
          problems.push(`${where}: cannot tell what ${key} (${String(raw)}) is for ${environment}`);
        else env[key] = value;
      }
      const exported = exportedToNpm(String(synth.run), env);
      if (typeof exported === "string") {
        problems.push(`${where}: the synth step fails for ${environment}: ${exported}`);
        continue;
      }
      for (const [variable, value] of exported) {
        if (value !== `vars:${variable}`) {
          problems.push(`${where}: ${variable} for ${environment} comes from ${value.replace(/^vars:/, "vars.")}`);
        }
      }
      // The provider's assume_role is for engineers' deploys: CI's jobs act with the role they
      // assumed themselves (the plan role, or the apply role in a protected environment).
      const providerRole = variableName(environment, "ROLE_ARN");
      if (exported.has(providerRole))
        problems.push(
          `${where}: synth for ${environment} is given ${providerRole}, so the job would act with that role`,
        );
      for (const variable of variablesRead(environment)) {
        if (variable !== providerRole && !exported.has(variable))
          problems.push(`${where}: synth for ${environment} is not given ${variable}`);
      }
    }
  }
  return problems;
}

describe("GitHub workflows", () => {
  const project = loadProject();

  it("has the pull request and apply workflows, and reads every file as YAML", () => {
    expect(project.workflows.map((w) => w.file)).toEqual(
      expect.arrayContaining([`${WORKFLOWS}/apply-dev.yml`, `${WORKFLOWS}/pull-request.yml`]),
    );
    for (const unit of project.units) expect(unit.steps.length).toBeGreaterThan(0);
  });

  it("runs only npm scripts that package.json has", () => {
    expect(npmScriptProblems(project)).toEqual([]);
  });

  it("pins every action from another repository to a commit, the same one everywhere", () => {
    expect(remoteUses(project).length).toBeGreaterThan(0);
    expect(pinProblems(project)).toEqual([]);
  });

  it("lets every job that configures AWS credentials ask for an OIDC token", () => {
    expect(project.units.some((unit) => usesAwsCredentials(project, unit))).toBe(true);
    expect(oidcProblems(project)).toEqual([]);
  });

  it("runs branch code only with read-only plan roles, and applies only the reviewed plan, in a protected environment", () => {
    expect(roleProblems(project)).toEqual([]);
  });

  it("checks the account's real quotas before every plan", () => {
    expect(quotaCheckProblems(project)).toEqual([]);
  });

  it("plans exactly the AWS environments", () => {
    expect(planMatrixProblems(project)).toEqual([]);
  });

  it("points terraform only at stacks the app synthesizes", () => {
    expect(stackProblems(project)).toEqual([]);
  });

  it("sets up the Node major Lambda runs", () => {
    expect(nodeVersionProblems(project)).toEqual([]);
  });

  it("calls the project's composite actions with the inputs they declare", () => {
    expect(actionInputProblems(project)).toEqual([]);
  });

  it("synthesizes each environment with every variable stacks/environments.ts reads, from the variable of that name", () => {
    expect(variablesRead("dev")).toContain("ORDER_FANOUT_DEV_ACCOUNT_IDS");
    expect(synthVariableProblems(project)).toEqual([]);
  });
});

describe("the workflow checks fail on a broken copy", () => {
  /** The real files with `from` replaced by `to` in `file`; `from` must be there exactly once. */
  function broken(file: string, from: string, to: string): Project {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    if (text.split(from).length !== 2) throw new Error(`${file} should hold "${from}" exactly once`);
    return loadProject({ [file]: text.replace(from, to) });
  }
  const pullRequest = `${WORKFLOWS}/pull-request.yml`;
  const applyDev = `${WORKFLOWS}/apply-dev.yml`;
  const synth = `${ACTIONS}/synth/action.yml`;
  const plan = `${ACTIONS}/terraform-plan/action.yml`;

  it.each([
    [
      "a plan without the account's quotas checked",
      quotaCheckProblems,
      plan,
      'run: npm run ops --silent -- quotas --env "${ENVIRONMENT}"',
      "run: echo skipped",
      "no step checks the account's quotas",
    ],
    [
      "an npm script that does not exist",
      npmScriptProblems,
      synth,
      "        npm run synth\n",
      "        npm run synthesise\n",
      'no script "synthesise"',
    ],
    [
      "npm test without a test script",
      npmScriptProblems,
      pullRequest,
      "run: npm test",
      "run: npm run tests",
      "job test",
    ],
    [
      "a missing script file",
      npmScriptProblems,
      pullRequest,
      "scripts/rebuild-node-pty.sh",
      "scripts/rebuild-pty.sh",
      "does not exist",
    ],
    [
      "an action pinned to a tag",
      pinProblems,
      applyDev,
      "checkout@3d3c42e5aac5ba805825da76410c181273ba90b1",
      "checkout@v7",
      "checkout@v7 is not pinned",
    ],
    [
      "a pin without its tag",
      pinProblems,
      plan,
      "dfe3c3f87815947d99a8997f908cb6525fc44e9e # v4.0.1",
      "dfe3c3f87815947d99a8997f908cb6525fc44e9e",
      "no release tag",
    ],
    [
      "one action at two commits",
      pinProblems,
      applyDev,
      "3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
      "0123456789012345678901234567890123456789 # v7.0.0",
      "elsewhere",
    ],
    [
      "AWS credentials without id-token: write",
      oidcProblems,
      pullRequest,
      "      id-token: write\n",
      "",
      "pull-request.yml, job plan",
    ],
    [
      "a plan with the deploy role",
      roleProblems,
      pullRequest,
      "role-to-assume: ${{ vars[format('ORDER_FANOUT_{0}_PLAN_ROLE_ARN', matrix.upper)] }}",
      "role-to-assume: ${{ vars[format('ORDER_FANOUT_{0}_APPLY_ROLE_ARN', matrix.upper)] }}",
      "assumes ORDER_FANOUT_DEV_APPLY_ROLE_ARN outside the protected GitHub environment dev",
    ],
    [
      "an apply outside its protected environment",
      roleProblems,
      applyDev,
      "    timeout-minutes: 60\n    environment: dev\n",
      "    timeout-minutes: 60\n",
      "outside the protected GitHub environment dev",
    ],
    [
      "an apply of a fresh plan instead of the reviewed one",
      roleProblems,
      applyDev,
      "apply -input=false -lock-timeout=5m tfplan",
      "apply -input=false -lock-timeout=5m -auto-approve",
      "does not apply the saved plan tfplan",
    ],
    [
      "synth given the provider's role",
      synthVariableProblems,
      synth,
      '        [ -z "${PLAN_ROLE_ARN}" ] || export "${prefix}_PLAN_ROLE_ARN=${PLAN_ROLE_ARN}"\n',
      '        [ -z "${PLAN_ROLE_ARN}" ] || export "${prefix}_PLAN_ROLE_ARN=${PLAN_ROLE_ARN}" "${prefix}_ROLE_ARN=${PLAN_ROLE_ARN}"\n',
      "is given ORDER_FANOUT_DEV_ROLE_ARN",
    ],
    [
      "a plan matrix without prod",
      planMatrixProblems,
      pullRequest,
      "          - env: prod\n            upper: PROD\n",
      "",
      "the matrix covers [dev, staging]",
    ],
    [
      "a matrix entry whose capitals differ",
      planMatrixProblems,
      pullRequest,
      "upper: STAGING",
      "upper: STAGE",
      "has upper STAGE",
    ],
    [
      "terraform on a stack nobody synthesizes",
      stackProblems,
      applyDev,
      "stacks/order-fanout-dev apply",
      "stacks/order-fanout-develop apply",
      "order-fanout-develop",
    ],
    [
      "an environment the matrix misspells",
      stackProblems,
      pullRequest,
      "env: staging",
      "env: stagin",
      "terraform-plan/action.yml, composite action",
    ],
    [
      "terraform on a folder this test cannot tell",
      stackProblems,
      plan,
      '-chdir="cdktf.out/stacks/order-fanout-${ENVIRONMENT}" init',
      "-chdir=$STACK_DIR init",
      "cannot tell",
    ],
    [
      "an input the action does not declare",
      actionInputProblems,
      applyDev,
      "account-ids:",
      "acount-ids:",
      "has no input acount-ids",
    ],
    [
      "a required input left out",
      actionInputProblems,
      pullRequest,
      "          environment: ${{ matrix.env }}\n          state-bucket",
      "          state-bucket",
      "requires input environment",
    ],
    [
      "a variable synth is not given",
      synthVariableProblems,
      synth,
      '        [ -z "${ALARM_EMAIL}" ] || export "${prefix}_ALARM_EMAIL=${ALARM_EMAIL}"\n',
      "",
      "is not given ORDER_FANOUT_STAGING_ALARM_EMAIL",
    ],
    [
      "another environment's variable",
      synthVariableProblems,
      applyDev,
      "vars.ORDER_FANOUT_DEV_ALARM_EMAIL",
      "vars.ORDER_FANOUT_PROD_ALARM_EMAIL",
      "ORDER_FANOUT_DEV_ALARM_EMAIL for dev comes from vars.ORDER_FANOUT_PROD_ALARM_EMAIL",
    ],
    [
      "a Node other than Lambda's",
      nodeVersionProblems,
      pullRequest,
      'node-version: "24"',
      'node-version: "22"',
      "node-version 22",
    ],
  ])("%s", (_, check, file, from, to, problem) => {
    expect(check(broken(file, from, to))).toEqual(expect.arrayContaining([expect.stringContaining(problem)]));
  });
});
