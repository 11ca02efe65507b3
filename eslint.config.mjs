// ESLint flat config: typescript-eslint's type-aware recommended rules on every TypeScript file;
// Prettier owns layout (eslint-config-prettier switches off the rules that would fight it).
import { defineConfig } from "eslint/config";
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";
import globals from "globals";
import { importX, createNodeResolver } from "eslint-plugin-import-x";

/**
 * Folders import one way (docs/architecture.md): each layer may import the layers listed after it,
 * never one before it. contract/ is the bottom: the services, events, product, pace and names that
 * stacks/ and lambda-src/ both keep to, so neither imports the other.
 */
const LAYERS = [
  { folders: ["bin", "bench", "scripts", "main.ts"] },
  { folders: ["model"] },
  { folders: ["local"] },
  { folders: ["ops"] },
  { folders: ["stacks", "lambda-src"], apart: true },
  { folders: ["contract"] },
];
/** Inside local/: the runtime's assembly on top, then the console, the runtime's parts, the emulators, the plan, authorization. */
const LOCAL_LAYERS = [
  { folders: ["local/main.ts", "local/local-runtime.ts"] },
  { folders: ["local/console"] },
  { folders: ["local/runtime"] },
  { folders: ["local/emulation"] },
  { folders: ["local/plan"] },
  { folders: ["local/authz"] },
];

/** One zone per folder: it may not import a layer above its own, nor, in a layer kept apart, its sibling. */
function zonesOf(layers) {
  return layers
    .flatMap(({ folders, apart }, i) =>
      folders.map((folder) => ({
        target: `./${folder}`,
        from: [
          ...layers.slice(0, i).flatMap((above) => above.folders),
          ...(apart ? folders.filter((f) => f !== folder) : []),
        ].map((f) => `./${f}`),
        message: `${folder} may not import this: folders import one way (eslint.config.mjs, LAYERS)`,
      })),
    )
    .filter((zone) => zone.from.length > 0);
}

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
    files: ["**/*.ts"],
    ignores: ["__tests__/**"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".js", ".cjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".cjs", ".json"] })],
    },
    rules: {
      "import-x/no-restricted-paths": ["error", { zones: [...zonesOf(LAYERS), ...zonesOf(LOCAL_LAYERS)] }],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
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
