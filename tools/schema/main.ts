/** `npm run schema`: writes schema.json at the repository root from the field table and the JSDoc. */
import * as fs from "node:fs";
import * as path from "node:path";
import { repoRoot } from "../repoRoot";
import { SCHEMA_FILE, generateSchema, schemaFileText } from "./generateSchema";

const file = path.join(repoRoot(), SCHEMA_FILE);
fs.writeFileSync(file, schemaFileText(generateSchema()));
process.stdout.write(`wrote ${file}\n`);
