import * as fs from "node:fs";
import * as path from "node:path";
import { preparePackedProject, repoRoot } from "../../tools/engine";

/** Where the program runs and how it is named to runProgramUnderMocks. */
export interface ProjectLayout {
  projectDir: string;
  /** Path of the program file, relative to projectDir. */
  program: string;
}

/** One way a user's program can load the package. */
export interface ProjectMode {
  title: string;
  /** Loaded from node_modules (as users install it), rather than by self-reference. */
  installed: boolean;
  prepare(): Promise<ProjectLayout>;
}

const FIXTURE = "test/lifecycle/fixtures/billingProgram.js";

export const PROJECT_MODES: ProjectMode[] = [
  {
    title: "from node_modules, installed from the packed tarball",
    installed: true,
    async prepare() {
      const projectDir = await preparePackedProject();
      // The program lives in the project like a user's index.js; the packed project is
      // shared per process, so the copy is idempotent.
      fs.copyFileSync(path.join(repoRoot(), FIXTURE), path.join(projectDir, "index.js"));
      return { projectDir, program: "index.js" };
    },
  },
  {
    title: "by self-reference, from a program inside this repository run at its root",
    installed: false,
    async prepare() {
      return { projectDir: repoRoot(), program: FIXTURE };
    },
  },
];
