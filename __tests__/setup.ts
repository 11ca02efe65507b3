import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();

// Handlers log JSON lines through Powertools; keep test output readable.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";

// The SDK warns once per test file on Node 20 (past end of life); Lambda runs Node 24.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

// As the stack sets it on every function (metricsNamespace()); unset, Powertools Metrics warns in plain text.
process.env.POWERTOOLS_METRICS_NAMESPACE ??= "order-fanout/test";
