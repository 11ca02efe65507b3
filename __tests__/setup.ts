import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();

// Handlers log JSON lines through Powertools; keep test output readable.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";

// Lambda runs Node 22; on an older local Node the SDK would warn once per test file.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
