/**
 * What `npm pack` ships, exactly, and what a release needs in package.json. The tarball is the one
 * every installed-package test uses (tools/packThisPackage.ts), packed from `npm run build`'s
 * dist/; the package's own build (`tsconfig.build.json`, run by `prepare`) is shown to emit the
 * same files, byte for byte. Policy (DECISIONS D35): compiled JavaScript and declarations of
 * provider/ only, no TypeScript sources, no source maps, no tests or tools; README, CHANGELOG and
 * LICENSE in.
 */
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import { packThisPackage } from "../../tools/packThisPackage";
import { makeTempDir } from "../../tools/engine/tempDirs";
import { repoRoot } from "../../tools/repoRoot";

const run = promisify(execFile);
const root = repoRoot();

/** Every file under `dir`, relative to it, with `/` separators. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join("/"));
}

/** What the package should hold: for each source file of provider/, its JavaScript and its declarations. */
function expectedFiles(): string[] {
  const compiled = filesUnder(path.join(root, "provider"))
    .filter((file) => file.endsWith(".ts"))
    .flatMap((file) => [`dist/provider/${file.replace(/\.ts$/, ".js")}`, `dist/provider/${file.replace(/\.ts$/, ".d.ts")}`]);
  // schema.json: the provider plugin's schema (`pulumi package get-schema`, SDK generation).
  return [...compiled, "CHANGELOG.md", "LICENSE", "README.md", "package.json", "schema.json"].sort();
}

interface PackageJson {
  version: string;
  license: string;
  keywords?: string[];
  repository?: { type: string; url: string };
  bugs?: { url: string };
  peerDependencies: Record<string, string>;
  scripts: Record<string, string>;
}

describe("the package as npm packs it", function () {
  this.timeout(180_000);

  it("holds exactly the compiled provider, its declarations, README, CHANGELOG, LICENSE, package.json and the plugin schema", async () => {
    const { tarball } = await packThisPackage();
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const packed = stdout
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.replace(/^package\//, ""))
      .sort();
    assert.deepEqual(packed, expectedFiles());
  });

  it("ships JavaScript that points at no source map, and a command line that can be executed", async () => {
    const { tarball } = await packThisPackage();
    const { stdout } = await run("tar", ["-tvzf", tarball, "package/dist/provider/cli/main.js"]);
    assert.match(stdout, /^-rwx/);
    const withMaps = filesUnder(path.join(root, "dist/provider")).filter(
      (file) =>
        file.endsWith(".map") ||
        (file.endsWith(".js") && fs.readFileSync(path.join(root, "dist/provider", file), "utf8").includes("sourceMappingURL")),
    );
    assert.deepEqual(withMaps, []);
  });

  it("is built by `prepare` from tsconfig.build.json into the same files the tests pack", async () => {
    const out = makeTempDir("pulumi-emnify-build-");
    await run(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json", "--outDir", out], { cwd: root });
    const built = filesUnder(path.join(out, "provider")).sort();
    assert.deepEqual(built, filesUnder(path.join(root, "dist/provider")).sort());
    const differing = built.filter(
      (file) => !fs.readFileSync(path.join(out, "provider", file)).equals(fs.readFileSync(path.join(root, "dist/provider", file))),
    );
    assert.deepEqual(differing, []);
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageJson;
    assert.match(pkg.scripts.prepare, /build:package/);
    assert.match(pkg.scripts["build:package"], /^npm run clean --silent && tsc -p tsconfig\.build\.json/);
    assert.match(pkg.scripts.build, /^npm run clean --silent && tsc -p tsconfig\.json/);
  });

  it("names its licence, repository, issue tracker, keywords and a release version the CHANGELOG describes", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as PackageJson;
    assert.equal(pkg.license, "Apache-2.0");
    const licence = fs.readFileSync(path.join(root, "LICENSE"), "utf8");
    assert.ok(licence.includes("Apache License\n                           Version 2.0, January 2004"));
    assert.ok(licence.trimEnd().endsWith("END OF TERMS AND CONDITIONS"));
    assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    assert.match(pkg.repository?.url ?? "", /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/);
    assert.equal(pkg.bugs?.url, pkg.repository!.url.replace(/^git\+/, "").replace(/\.git$/, "/issues"));
    assert.ok((pkg.keywords ?? []).includes("pulumi"));
    const changelog = fs.readFileSync(path.join(root, "CHANGELOG.md"), "utf8");
    const releases = [...changelog.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    assert.equal(releases[0], "Unreleased");
    assert.ok(releases[1]?.startsWith(`${pkg.version} `), `the CHANGELOG's first release is ${pkg.version}`);
    assert.doesNotMatch(changelog, /\bissue \d+|\(#\d+\)|work item/i, "entries say what users see, not which issue");
  });
});
