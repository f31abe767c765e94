// Copies the national administrative reference (npm @etalab/decoupage-administratif, pinned in
// package.json) into app/reference, where `qualiparc import territory` reads it and from where
// `pip install .` packages it. Run after « npm ci » in this folder (scripts/setup.sh does both).
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, "node_modules", "@etalab", "decoupage-administratif");
const target = join(here, "..", "app", "reference", "decoupage-administratif");
const files = [
  "package.json",
  "README.md",
  "LICENSE",
  ...["communes", "epci", "departements", "regions"].map((name) => join("data", `${name}.json`)),
];

if (!existsSync(source)) {
  console.error("Référentiel absent : lancer « npm ci » dans reference/ avant la construction.");
  process.exit(1);
}
rmSync(target, { recursive: true, force: true });
for (const file of files) {
  mkdirSync(dirname(join(target, file)), { recursive: true });
  cpSync(join(source, file), join(target, file));
}
console.log(`Référentiel administratif copié dans ${target}`);
