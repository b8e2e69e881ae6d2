// The lab's build: a static site in lab/dist that uses gradstack through its public API only.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

// The lab sits inside the package it imports, and Vite does not resolve a package's import of itself;
// so "gradstack" is the file the "browser" condition of package.json's exports names (dist/browser.js:
// build the library first), and the package's "browser" file map still applies to what it imports.
const pkg = JSON.parse(readFileSync(`${repoRoot}package.json`, "utf8"));
const browserEntry = new URL(pkg.exports["."].browser.default, `file://${repoRoot}`);

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  resolve: { alias: { gradstack: fileURLToPath(browserEntry) } },
  base: "./", // relative URLs, so the built site can be hosted under any path
  build: { outDir: "dist", emptyOutDir: true },
  worker: { format: "es" },
  server: {
    // The shipped data sets live in the repository's data/, outside the lab's root.
    fs: { allow: [repoRoot] },
    headers: {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    },
  },
});
