// A tiny web server of a customer's own site (another origin than enrich) for the browser SDK
// specs: it serves HTML pages a test registers and the SDK files from end2end/node_modules.
// No `page.route()`: Playwright would answer the CORS preflights itself, so enrich's CORS
// handling would never be exercised.
import { createServer, Server } from "node:http";
import { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import path from "node:path";

const NODE_MODULES = path.resolve(__dirname, "..", "node_modules");

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".html": "text/html; charset=utf-8",
};

/** A site on `http://127.0.0.1:<free port>`. */
export class Site {
  readonly pages = new Map<string, string>();
  private constructor(private server: Server, readonly origin: string) {}

  static async start(): Promise<Site> {
    let site: Site | undefined;
    const server = createServer(async (req, res) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const html = site!.pages.get(url.pathname);
      if (html !== undefined) {
        res.writeHead(200, { "content-type": TYPES[".html"], "cache-control": "no-store" });
        res.end(html);
        return;
      }
      if (url.pathname === "/favicon.ico") {
        res.writeHead(204);
        res.end();
        return;
      }
      if (url.pathname.startsWith("/sdk/")) {
        const file = path.resolve(NODE_MODULES, decodeURIComponent(url.pathname.slice("/sdk/".length)));
        if (file.startsWith(NODE_MODULES + path.sep)) {
          try {
            const body = await readFile(file);
            res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
            res.end(body);
            return;
          } catch {
            // falls through to 404
          }
        }
      }
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    site = new Site(server, `http://127.0.0.1:${port}`);
    return site;
  }

  /** Registers `html` at `pathname` and returns its full URL. */
  page(pathname: string, html: string): string {
    this.pages.set(pathname, html);
    return `${this.origin}${pathname}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Forget every earlier visitor: storage of this origin (cookies are cleared by the test). */
export const FRESH_VISITOR = `<script>try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}</script>`;
