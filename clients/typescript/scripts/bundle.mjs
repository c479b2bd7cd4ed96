// Bundles the browser client (browser/main.ts with the SDK and @bufbuild/protobuf) into the one file the
// gateway serves: Gateway/wwwroot/mmo.js. `node scripts/bundle.mjs --check` fails if that file is stale.
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const target = join(root, "..", "..", "Gateway", "wwwroot", "mmo.js");
const check = process.argv.includes("--check");
const result = await build({
  entryPoints: [join(root, "browser", "main.ts")],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "none",
  write: !check,
  outfile: target,
  logLevel: "warning",
});
if (check) {
  const built = result.outputFiles[0].text;
  const committed = readFileSync(target, "utf8");
  if (built !== committed) {
    console.error(`${target} is stale: run npm run bundle in clients/typescript and commit it`);
    process.exit(1);
  }
}
