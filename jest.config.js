/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  setupFilesAfterEnv: ["<rootDir>/__tests__/setup.ts"],
  testTimeout: 30000,
  // Jest defaults to one worker fewer than the cores, which is one here; the end-to-end suite spends
  // most of its time waiting on queues, so the other suites run beside it.
  maxWorkers: 2,
  // The end-to-end scenarios run side by side on one runtime (it.concurrent); Jest would run 5 at once.
  maxConcurrency: 8,
};
