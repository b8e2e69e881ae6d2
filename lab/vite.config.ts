// The lab's build: a static site in lab/dist that uses gradstack through its public API only.
import { existsSync, readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

// The lab sits inside the package it imports, and Vite does not resolve a package's import of itself;
// so "gradstack" is the file the "browser" condition of package.json's exports names (dist/browser.js:
// build the library first), and the package's "browser" file map still applies to what it imports.
const pkg = JSON.parse(readFileSync(`${repoRoot}package.json`, "utf8"));
const browserEntry = new URL(pkg.exports["."].browser.default, `file://${repoRoot}`);

// The wasm backend's modules are not copied into the site: the lab loads them from wasm/ at the site's
// root, which `gradstack lab` serves from the package (src/cli/commands/lab.ts); so does the dev server.
// The library's default address of its modules (dist/backend/wasm/load.js, `new URL(\`../../../wasm/…\`,
// import.meta.url)`) would make Vite copy all four into assets/: the lab passes its own, so that
// expression is left alone.
const DEFAULT_URL = "new URL(`../../../wasm/";
const packageWasm: Plugin = {
  name: "gradstack-package-wasm",
  enforce: "pre",
  transform(code, id) {
    if (!id.endsWith("/backend/wasm/load.js")) return null;
    if (!code.includes(DEFAULT_URL)) throw new Error(`lab: ${id} no longer has ${DEFAULT_URL}…`);
    return code.replace(DEFAULT_URL, "new URL(/* @vite-ignore */ `../../../wasm/");
  },
  configureServer(server) {
    server.middlewares.use("/wasm/", (req, res, next) => {
      const file = `${repoRoot}wasm/${basename(new URL(req.url ?? "/", "http://localhost").pathname)}`;
      if (!file.endsWith(".wasm") || !existsSync(file)) return next();
      res.setHeader("Content-Type", "application/wasm");
      res.end(readFileSync(file));
    });
  },
};

export default defineConfig({
  plugins: [packageWasm],
  root: fileURLToPath(new URL(".", import.meta.url)),
  resolve: { alias: { gradstack: fileURLToPath(browserEntry) } },
  base: "./", // relative URLs, so the built site can be hosted under any path
  build: { outDir: "dist", emptyOutDir: true },
  worker: { format: "es", plugins: () => [packageWasm] }, // the training worker loads the backend
  server: {
    // The shipped data sets live in the repository's data/, outside the lab's root.
    fs: { allow: [repoRoot] },
    headers: {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    },
  },
});
