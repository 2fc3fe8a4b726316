// Lint rules: typescript-eslint with type information, so floating promises are errors; eslint-plugin-regexp, so a
// regular expression that can backtrack super-linearly on untrusted text fails the build.
import js from "@eslint/js";
import fileSize from "./scripts/eslint/file-size.js";
import regexp from "eslint-plugin-regexp";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "native/**",
      ".lab/**",
      "eslint.config.js",
      ".dependency-cruiser.cjs",
      ".ci/**",
      "scripts/eslint/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      "@typescript-eslint/no-floating-promises": [
        "error",
        {
          allowForKnownSafeCalls: [
            {
              from: "package",
              package: "node:test",
              name: ["test", "describe", "it", "suite", "before", "after", "beforeEach", "afterEach"],
            },
          ],
        },
      ],
      "@typescript-eslint/no-misused-promises": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/restrict-template-expressions": "off",
      "@typescript-eslint/require-await": "off",
    },
  },
  { plugins: { regexp }, rules: { "regexp/no-super-linear-backtracking": "error" } },
  // A pattern that rescans the rest of the text from each start is quadratic too; product code reads mail.
  { files: ["src/**", "workers/**"], rules: { "regexp/no-super-linear-move": "error" } },
  // Small modules: a product file over 300 lines says why on a `size:` line of its header comment
  // (scripts/eslint/file-size.js).
  {
    files: ["src/**", "workers/**"],
    plugins: { floodgate: { rules: { "file-size": fileSize } } },
    rules: {
      "floodgate/file-size": ["error", { max: 300 }],
      // A function longer than a screen does more than one thing.
      "max-lines-per-function": ["error", { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
);
