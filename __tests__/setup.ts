import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();

// Handlers log JSON lines through Powertools; keep test output readable.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
