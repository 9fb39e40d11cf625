// ESLint, type-aware (typescript-eslint), for every TypeScript file the build compiles. Formatting is
// Prettier's alone (eslint-config-prettier turns off the rules it owns). `npm run lint` runs both.
import eslint from "@eslint/js";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "sdk/", "**/*.js", "**/*.mjs"] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    rules: {
      // Pulumi's ResourceProvider interface and the client's hooks are promise-returning by contract;
      // an async method without an await still turns a throw into a rejection, which is the point.
      "@typescript-eslint/require-await": "off",
      // `_name` marks a parameter an interface requires and the implementation does not use.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // Tests read untyped documents on purpose (stack exports, request bodies, parsed JSON) and
    // assert on their shape; the `any` rules there would only add casts that assert nothing.
    files: ["test/**/*.ts"],
    rules: {
      "@typescript-eslint/no-unsafe-argument": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
      "@typescript-eslint/no-unsafe-member-access": "off",
      "@typescript-eslint/no-unsafe-call": "off",
      "@typescript-eslint/no-unsafe-return": "off",
      // Tests wrap methods to watch them (stderr, stream emit) and stringify unknown values to match them.
      "@typescript-eslint/unbound-method": "off",
      "@typescript-eslint/no-base-to-string": "off",
      // Built files are loaded by path, as the provider host loads them.
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  prettier,
);
