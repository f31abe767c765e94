// Copies the front end into app/static: Leaflet, Swagger UI and the vector-tile reader (vendored
// from node_modules), our ES modules and styles. The browser loads native ES modules (a bare import
// specifier of a vendored module is rewritten to its path), except on the map page, whose scripts
// esbuild bundles into one file; nothing comes from a CDN.
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const frontend = dirname(fileURLToPath(import.meta.url));
const statics = join(frontend, "..", "app", "static");
const leaflet = join(frontend, "node_modules", "leaflet", "dist");
const swagger = join(frontend, "node_modules", "swagger-ui-dist");
const modules = join(frontend, "node_modules");

/** ES modules vendored as one file each: [package file, vendored path, bare imports rewritten]. */
const esModules = [
  ["pbf/index.js", "pbf/index.js", {}],
  ["@mapbox/point-geometry/index.js", "point-geometry/index.js", {}],
  [
    "@mapbox/vector-tile/index.js",
    "vector-tile/index.js",
    { "@mapbox/point-geometry": "../point-geometry/index.js" },
  ],
];

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

const missing = [
  leaflet,
  swagger,
  join(modules, "esbuild"),
  ...esModules.map(([file]) => join(modules, file)),
];
if (!missing.every((path) => existsSync(path))) {
  console.error("Dépendances absentes : lancer « npm ci » dans frontend/ avant la construction.");
  process.exit(1);
}
const esbuild = await import("esbuild");
for (const folder of ["vendor", "js", "css"]) {
  rmSync(join(statics, folder), { recursive: true, force: true });
}
for (const [source, target] of copies) {
  mkdirSync(dirname(target), { recursive: true });
  cpSync(source, target, { recursive: true });
}
for (const [file, target, rewrites] of esModules) {
  let source = readFileSync(join(modules, file), "utf8");
  for (const [specifier, path] of Object.entries(rewrites)) {
    source = source.replaceAll(`from '${specifier}'`, `from '${path}'`);
    source = source.replaceAll(`from "${specifier}"`, `from "${path}"`);
  }
  const destination = join(statics, "vendor", target);
  mkdirSync(dirname(destination), { recursive: true });
  writeFileSync(destination, source);
  const license = ["LICENSE", "LICENSE.txt"]
    .map((name) => join(modules, dirname(file), name))
    .find((path) => existsSync(path));
  if (license) cpSync(license, join(dirname(destination), "LICENSE"));
}

/** The map page's scripts (the site's header scripts, then its own), bundled into one file: one
 * request instead of some thirty modules fetched over HTTP/1.1's six connections. Bundled from
 * the built tree, so that the source map names the files the server serves; the other pages keep
 * their native modules. */
const MAP_PAGE_SCRIPTS = ["ui/account.js", "ui/menu.js", "ui/tables.js", "main.js"];
const MAP_BUNDLE = join(statics, "js", "map.bundle.js");
/** `/static/…` import specifiers resolved to the built tree. */
const staticImports = {
  name: "static-imports",
  setup(build) {
    build.onResolve({ filter: /^\/static\// }, ({ path }) => ({
      path: join(statics, path.replace(/^\/static\//, "")),
    }));
  },
};
await esbuild.build({
  stdin: {
    contents: MAP_PAGE_SCRIPTS.map((script) => `import "./${script}";`).join("\n"),
    resolveDir: join(statics, "js"),
    sourcefile: "map.bundle.entry.js",
  },
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: true,
  sourcemap: true,
  legalComments: "eof",
  outfile: MAP_BUNDLE,
  plugins: [staticImports],
  logLevel: "warning",
});
/** Each text file of the built tree gets its gzip twin (`NAME.gz`, level 9), which the server
 * sends as it is to a browser that takes gzip: no compression on each request (app/main.py). */
const COMPRESSED = /\.(js|mjs|css|json|svg|html)$/;
function compressTree(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) compressTree(path);
    else if (COMPRESSED.test(entry.name)) {
      writeFileSync(`${path}.gz`, gzipSync(readFileSync(path), { level: 9 }));
    }
  }
}
for (const folder of ["vendor", "js", "css"]) compressTree(join(statics, folder));
console.log(`Front end copié dans ${statics}`);
