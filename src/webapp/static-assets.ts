/**
 * The page's files (plain HTML, CSS and JavaScript; no build step, nothing from a CDN), read once at start from
 * `static/` beside this module (`npm run build` copies the folder next to the compiled module).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  body: Buffer;
  contentType: string;
}

/** URL path → file in `static/`. Nothing else is served: no directory listing, no path from the request reaches the disk. */
const FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', contentType: 'text/css; charset=utf-8' },
  '/icon.svg': { file: 'icon.svg', contentType: 'image/svg+xml' },
};

export async function loadStaticAssets(dir: URL = new URL('./static/', import.meta.url)): Promise<Map<string, StaticAsset>> {
  const out = new Map<string, StaticAsset>();
  for (const [path, { file, contentType }] of Object.entries(FILES)) {
    const url = new URL(file, dir);
    try {
      out.set(path, { body: await readFile(url), contentType });
    } catch (err) {
      throw new Error(`the Mini App's file ${fileURLToPath(url)} is missing (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
    }
  }
  return out;
}
