/**
 * The SDKs of the `emnify` provider plugin, generated from schema.json by `pulumi-emnify-sdkgen`
 * (tools/pulumi-go-tools, Pulumi's own code generators) into sdk/<language>/.
 *
 * schema.json says what the resource is (it is generated from the field table); the package
 * names per language are the SDKs' concern and live here, added to the schema's `language`
 * section before generation, with the package version from package.json.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { repoRoot } from "../repoRoot";
import type { GoTools } from "../pulumi-cli/goTools";

export const SDK_LANGUAGES = ["nodejs", "python", "go", "dotnet"] as const;
export type SdkLanguage = (typeof SDK_LANGUAGES)[number];

/** Where the committed SDKs live, one folder per language. */
export const SDK_DIR = "sdk";

/** The Go SDK's module (sdk/go.mod) and the package path inside it. */
export const GO_SDK_MODULE = "pulumi-emnify.local/sdk";

/** Package names per language, as Pulumi's generators read them from the schema; every SDK carries the schema's version. */
export const LANGUAGE_SETTINGS = {
  nodejs: {
    packageName: "@pulumi-emnify/emnify",
    packageDescription: "Typed Node.js SDK of the emnify provider plugin (pulumi-resource-emnify), generated from schema.json.",
    dependencies: { "@pulumi/pulumi": "^3.216.0" },
    devDependencies: { "@types/node": "^20.0.0", typescript: "~5.9" },
    respectSchemaVersion: true,
  },
  python: {
    packageName: "pulumi_emnify",
    requires: { pulumi: ">=3.216.0,<4.0.0" },
    pyproject: { enabled: true },
    respectSchemaVersion: true,
  },
  go: {
    importBasePath: `${GO_SDK_MODULE}/go/emnify`,
    generateResourceContainerTypes: true,
    respectSchemaVersion: true,
  },
  csharp: {
    rootNamespace: "PulumiEmnify",
    packageReferences: { Pulumi: "3.*" },
    respectSchemaVersion: true,
  },
} as const;

/** schema.json with the language settings and the package's version added. */
export function sdkSchema(root = repoRoot()): Record<string, unknown> {
  const schema = JSON.parse(fs.readFileSync(path.join(root, "schema.json"), "utf8")) as Record<string, unknown>;
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  const language = { ...(schema.language as Record<string, unknown> | undefined), ...LANGUAGE_SETTINGS };
  return { ...schema, version: schema.version ?? pkg.version, language };
}

/**
 * Writes the SDKs of `languages` into `outDir/<language>` (each emptied first). Throws with the
 * generator's own message when it fails.
 */
export function generateSdks(tools: GoTools, outDir: string, languages: readonly SdkLanguage[] = SDK_LANGUAGES, root = repoRoot()): void {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-emnify-sdkgen-"));
  try {
    const schemaFile = path.join(scratch, "schema.json");
    fs.writeFileSync(schemaFile, JSON.stringify(sdkSchema(root), null, 2));
    const result = spawnSync(tools.sdkgen, [schemaFile, outDir, ...languages], { encoding: "utf8" });
    if (result.status !== 0) {
      throw new Error(`${tools.sdkgen} failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.stdout).trim()}`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Every file under `dir`, as paths relative to it with forward slashes, sorted. */
export function listFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (current: string): void => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.push(path.relative(dir, full).split(path.sep).join("/"));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return files.sort();
}

/**
 * The differences between the SDKs in `actualDir` and freshly generated ones in `expectedDir`:
 * files missing, files extra, files whose content differs. Empty when they agree.
 */
export function sdkDrift(expectedDir: string, actualDir: string, languages: readonly SdkLanguage[] = SDK_LANGUAGES): string[] {
  const drift: string[] = [];
  for (const language of languages) {
    const expected = listFiles(path.join(expectedDir, language));
    const actual = listFiles(path.join(actualDir, language));
    for (const file of expected) {
      if (!actual.includes(file)) drift.push(`missing: ${language}/${file}`);
      else if (!fs.readFileSync(path.join(expectedDir, language, file)).equals(fs.readFileSync(path.join(actualDir, language, file)))) {
        drift.push(`differs: ${language}/${file}`);
      }
    }
    for (const file of actual) if (!expected.includes(file)) drift.push(`extra: ${language}/${file}`);
  }
  return drift;
}
