// ESLint flat config: typescript-eslint's type-aware recommended rules on every TypeScript file;
// Prettier owns layout (eslint-config-prettier switches off the rules that would fight it).
import { defineConfig } from "eslint/config";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";
import globals from "globals";

export default defineConfig(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "cdktf.out/",
      "coverage/",
      ".local-data/",
      "bench/.root-import/",
      "bench/.synth-out/",
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      // `const { omitted: _, ...rest } = value` is how a key is dropped from a copy.
      "@typescript-eslint/no-unused-vars": ["error", { ignoreRestSiblings: true }],
    },
  },
  {
    // Plain JavaScript (this file, jest.config.js, the function worker): no type information.
    files: ["**/*.{js,cjs,mjs}"],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
    rules: {
      // CommonJS on purpose: the function worker loads a built bundle as Lambda's runtime does.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    // The local console's page script runs in the browser, not in Node.
    files: ["local/console/**/*.js"],
    languageOptions: { globals: globals.browser, sourceType: "script" },
  },
  {
    // Tests walk synthesized Terraform JSON, HTTP bodies and stored items whose shape the assertions
    // themselves check; typing every path first would restate each expectation twice.
    files: ["__tests__/**/*.ts"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-return": "off",
    },
  },
  prettier,
);
