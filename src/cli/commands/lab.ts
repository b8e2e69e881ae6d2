/**
 * `gradstack lab`: serves the browser lab (lab/, a static site built by Vite into lab/dist) on
 * 127.0.0.1 and prints its URL. Builds the site first when it is missing (or with --rebuild), which
 * needs the repository's dev dependencies (vite); an installed package ships lab/dist built.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { defineCommand } from "../command.js";
import { packageRoot } from "../../io/files.js";

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
  ".safetensors": "application/octet-stream",
};

/**
 * The headers that make a page cross-origin isolated, which SharedArrayBuffer (WebAssembly threads)
 * needs; any host of the built site should send them.
 */
export const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

/** Where the built lab lives in the package. */
export function labDist(): string {
  return join(packageRoot(), "lab", "dist");
}

/** Builds the lab with Vite into `outDir` (default lab/dist). */
export async function buildLab(outDir = labDist()): Promise<void> {
  let vite: typeof import("vite");
  try {
    vite = await import("vite");
  } catch {
    throw new Error(
      "lab: building the lab needs vite, a dev dependency of gradstack: run `npm install` in a checkout of the repository",
    );
  }
  await vite.build({
    configFile: join(packageRoot(), "lab", "vite.config.ts"),
    build: { outDir },
    logLevel: "warn",
  });
}

/**
 * Serves the files of `dir` with the isolation headers, and the package's wasm/ at /wasm/ (the lab
 * loads the wasm backend's modules from there rather than carrying copies); resolves once it listens.
 */
export function serveStatic(dir: string, host: string, port: number): Promise<Server> {
  const root = resolve(dir);
  const wasmDir = join(packageRoot(), "wasm");
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    const [base, rest] = path.startsWith("/wasm/") ? [wasmDir, path.slice(5)] : [root, path];
    let file = normalize(join(base, rest));
    if (file !== base && !file.startsWith(base + sep)) return void res.writeHead(403).end(); // not /dist2 for /dist
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) return void res.writeHead(404, ISOLATION_HEADERS).end("not found");
    res.writeHead(200, {
      ...ISOLATION_HEADERS,
      "Content-Type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    });
    res.end(readFileSync(file));
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolvePromise(server));
  });
}

export const command = defineCommand({
  name: "lab",
  summary: "serve the browser lab (train models in the browser and watch them learn) on localhost",
  defaults: { port: 5180, host: "127.0.0.1", rebuild: false },
  help: {
    port: "the port to listen on (0: any free port)",
    host: "the address to listen on",
    rebuild: "build the lab again even when lab/dist exists",
  },
  async run(config) {
    const dir = labDist();
    if (config.rebuild || !existsSync(join(dir, "index.html"))) {
      console.log("gradstack lab: building the lab (vite build lab/)…");
      await buildLab(dir);
    }
    const server = await serveStatic(dir, config.host, config.port);
    const { port } = server.address() as AddressInfo;
    console.log(`gradstack lab: http://${config.host}:${port}/ (Ctrl-C stops it)`);
    await new Promise<void>((done) => server.once("close", done));
  },
});
