// Copies the front end into app/static: Leaflet and Swagger UI (vendored from node_modules), our ES
// modules and styles. No bundler: the browser loads native ES modules, and nothing comes from a CDN.
import { cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const frontend = dirname(fileURLToPath(import.meta.url));
const statics = join(frontend, "..", "app", "static");
const leaflet = join(frontend, "node_modules", "leaflet", "dist");
const swagger = join(frontend, "node_modules", "swagger-ui-dist");

const vendored = [
  "leaflet.css",
  "leaflet-src.esm.js",
  "leaflet-src.esm.js.map",
  "leaflet.js",
  "images",
];
const copies = [
  ...vendored.map((name) => [join(leaflet, name), join(statics, "vendor", "leaflet", name)]),
  ...["swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"].map((name) => [
    join(swagger, name),
    join(statics, "vendor", "swagger-ui", name),
  ]),
  [join(frontend, "src"), join(statics, "js")],
  [join(frontend, "styles"), join(statics, "css")],
];

if (!existsSync(leaflet) || !existsSync(swagger)) {
  console.error("Dépendances absentes : lancer « npm ci » dans frontend/ avant la construction.");
  process.exit(1);
}
for (const folder of ["vendor", "js", "css"]) {
  rmSync(join(statics, folder), { recursive: true, force: true });
}
for (const [source, target] of copies) {
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true });
}
console.log(`Front end copié dans ${statics}`);
