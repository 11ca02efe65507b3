/**
 * Two projects: `unit` needs nothing running (infrastructure snapshots and assertions, handlers
 * with aws-sdk-client-mock, the plan loader, the model, the operator commands' logic); `e2e`
 * (`*.e2e.test.ts`) starts emulators, the local runtime or Chromium. `npm test` runs both;
 * `npm run test:unit` and `npm run test:e2e` run one.
 */
const shared = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...shared, displayName: "unit", testMatch: ["**/*.test.ts"], testPathIgnorePatterns: ["\\.e2e\\.test\\.ts$"] },
    { ...shared, displayName: "e2e", testMatch: ["**/*.e2e.test.ts"] },
  ],
  testTimeout: 30000,
  // Jest defaults to one worker fewer than the cores, which is one here. The end-to-end suites
  // spend much of their time waiting on queues' visibility timeouts, so other suites run beside
  // them: on 2 cores, 3 workers ran the whole suite in 154 s against 182 s with 2. The unit
  // project alone is CPU-bound and runs two (`npm run test:unit`).
  // Fixed, not from the core count: a container limited to 2 CPUs on a large host would report the
  // host's cores and start dozens of runtimes at once. JEST_WORKERS changes it.
  maxWorkers: Number(process.env.JEST_WORKERS ?? 3),
  // The end-to-end scenarios run side by side on one runtime (it.concurrent); Jest would run 5 at once.
  maxConcurrency: 8,
};
