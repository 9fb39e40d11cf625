/**
 * `npm run sdk:gen [-- <language> ...]`: regenerates sdk/<language>/ from schema.json (all four
 * languages when none is named), building `pulumi-emnify-sdkgen` first when it is not cached.
 * Run it after `npm run schema`; the real-CLI suite fails when the committed SDKs drift.
 */
import * as path from "node:path";
import { PulumiCliUnavailable } from "../pulumi-cli/locate";
import { describeGoTools, ensureGoTools } from "../pulumi-cli/goTools";
import { repoRoot } from "../repoRoot";
import { SDK_DIR, SDK_LANGUAGES, SdkLanguage, generateSdks, listFiles } from "./generate";

try {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((l) => !(SDK_LANGUAGES as readonly string[]).includes(l));
  if (unknown.length > 0) throw new Error(`unknown language ${unknown.join(", ")} (known: ${SDK_LANGUAGES.join(", ")})`);
  const languages = requested.length > 0 ? (requested as SdkLanguage[]) : SDK_LANGUAGES;
  const tools = ensureGoTools((line) => process.stderr.write(`sdk:gen: ${line}\n`));
  process.stderr.write(`sdk:gen: ${describeGoTools(tools)}\n`);
  const out = path.join(repoRoot(), SDK_DIR);
  generateSdks(tools, out, languages);
  for (const language of languages) process.stdout.write(`${SDK_DIR}/${language}: ${listFiles(path.join(out, language)).length} files\n`);
} catch (error) {
  process.stderr.write(`sdk:gen: ${(error as Error).message}\n`);
  process.exitCode = error instanceof PulumiCliUnavailable ? 1 : 2;
}
