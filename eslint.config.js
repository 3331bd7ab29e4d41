// Lint rules for the TypeScript sources; generated files and build output are skipped.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

/** An import pattern that refuses the named src/ folders, which sit above the importing file's layer. */
function layer(...folders) {
  return {
    group: folders.map((folder) => `**/${folder}/**`),
    message: 'Imports point down the layers (README, "Layers"): move the shared type or function to the lower layer.',
  };
}

/** src/app.ts and src/runtime.ts build everything; nothing below them imports them. */
const compositionRoot = {
  group: ["**/app.ts", "**/runtime.ts"],
  message: "Only the CLI and the tests import the composition root.",
};

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "data/", "src/generated/", "coverage/", "tools/", "models/", "scratch/", "web/dist/", "web/src/gql/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // Type-aware rules where a mistake is silent at run time: a promise nobody awaits or handles, and
  // a promise passed where a plain value or callback result is expected.
  {
    files: ["src/**/*.ts", "tests/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false, attributes: false } }],
    },
  },
  // The browser pages (web/): browser globals, and no server code.
  {
    files: ["web/src/**"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["**/src/**", "node:*"], message: "The browser pages talk to the server over GraphQL only." }] },
      ],
    },
  },
  // Layers point one way (README, "Layers"): resolvers → services → model and stores; server → services.
  {
    files: ["src/stores/**", "src/model/**", "src/db/**", "src/errors/**", "src/logging/**", "src/config/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [layer("services", "server", "resolvers", "cli"), compositionRoot] }],
    },
  },
  {
    files: ["src/services/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [layer("server", "resolvers", "cli"), compositionRoot] }],
    },
  },
);
