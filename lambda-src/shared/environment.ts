/**
 * Reads a function's configuration from environment variables at cold start. A missing variable
 * fails the first load with its name, instead of a confusing error on the first request.
 */
export class MissingEnvironmentError extends Error {
  constructor(names: string[]) {
    super(`missing environment variable${names.length > 1 ? "s" : ""}: ${names.join(", ")}`);
    this.name = "MissingEnvironmentError";
  }
}

export function readEnvironment<const N extends readonly string[]>(
  names: N,
  env: NodeJS.ProcessEnv = process.env,
): { [K in N[number]]: string } {
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) throw new MissingEnvironmentError(missing);
  return Object.fromEntries(names.map((name) => [name, env[name] as string])) as { [K in N[number]]: string };
}
