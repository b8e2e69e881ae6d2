// What the browser tests share: bundling an entry that imports "gradstack" by name (so package.json's
// "browser" condition and file map decide what goes in), and serving it on 127.0.0.1.
import { createServer, type Server } from "node:http";
import { build } from "esbuild";
import { repoRoot } from "./fixtures.js";

/** Bundles `source` (resolved from the repository root) for the browser; also lists its inputs. */
export async function bundleForBrowser(source: string): Promise<{ code: string; inputs: string[] }> {
  const out = await build({
    stdin: { contents: source, resolveDir: repoRoot, sourcefile: "entry.js", loader: "js" },
    bundle: true,
    platform: "browser",
    format: "iife",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return { code: out.outputFiles[0].text, inputs: Object.keys(out.metafile.inputs) };
}

/** Serves `page` at "/" (HTML) and each script of `scripts` at its path, on a free loopback port. */
export function serveOnLoopback(page: string, scripts: Record<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? "";
    const body = url === "/" ? page : Object.hasOwn(scripts, url) ? scripts[url] : null;
    if (body === null) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": url === "/" ? "text/html" : "text/javascript" }).end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
