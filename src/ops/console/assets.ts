/**
 * The console's page and its assets, built into the package (dist/console: the compiled page scripts, the style
 * sheet and uPlot, copied from node_modules at build time): read into memory once, served from there, nothing
 * fetched from elsewhere at run time. Each answer carries a content security policy that allows this origin only.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, relative } from "node:path";
import type { ServerResponse } from "node:http";
import { projectRoot } from "../../util/paths.js";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

/** Where `make build` puts the console's files. */
export const ASSETS_DIR = join(projectRoot, "dist", "console");

/** Headers of every console answer: this origin only, no framing, no referrer, no sniffing. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

interface Asset {
  type: string;
  body: Buffer;
}

/** The built assets by URL path under /console/assets/, and the page itself. */
export class ConsoleAssets {
  readonly #files = new Map<string, Asset>();

  constructor(dir: string = ASSETS_DIR) {
    const walk = (d: string) => {
      for (const name of readdirSync(d)) {
        const path = join(d, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (TYPES[extname(name)]) {
          this.#files.set(relative(dir, path).split("\\").join("/"), {
            type: TYPES[extname(name)] as string,
            body: readFileSync(path),
          });
        }
      }
    };
    try {
      walk(dir);
    } catch (err) {
      throw new Error(`the console's assets are missing from ${dir} (run make build): ${(err as Error).message}`);
    }
    if (!this.#files.has("index.html")) throw new Error(`${dir}/index.html is missing: run make build`);
  }

  /** Answer with the asset at `path` (relative to the assets directory); false when there is none. */
  serve(res: ServerResponse, path: string, head: boolean): boolean {
    const asset = this.#files.get(path);
    if (!asset) return false;
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": asset.type, "content-length": asset.body.length });
    res.end(head ? undefined : asset.body);
    return true;
  }
}
