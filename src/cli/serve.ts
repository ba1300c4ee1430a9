/**
 * `drillbook up` serves the built site from dist/ (the sandbox server will
 * join it here). Static files only: paths are decoded, kept inside dist/,
 * and directory routes answer with their index.html.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.sql': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Maps a request path to a file inside `root`, or null. */
export function resolveStatic(root: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split(/[?#]/)[0] ?? '/');
  } catch {
    return null;
  }
  const abs = normalize(join(root, path));
  if (abs !== root && !abs.startsWith(root + sep)) return null;
  if (existsSync(abs) && statSync(abs).isFile()) return abs;
  const index = join(abs, 'index.html');
  return existsSync(index) ? index : null;
}

export function createStaticServer(root: string): Server {
  const dir = resolve(root);
  return createServer((req, res) => {
    const file = resolveStatic(dir, req.url ?? '/');
    if (!file) {
      const notFound = join(dir, '404.html');
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
      if (existsSync(notFound)) createReadStream(notFound).pipe(res);
      else res.end('<!doctype html><title>Not found</title><h1>Not found</h1>');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `serve [--dir DIR] [--port N]`; PORT and HOST from the environment as defaults. */
export async function runServe(args: string[]): Promise<number> {
  const port = Number(option(args, '--port') ?? process.env['PORT'] ?? 4321);
  const host = process.env['HOST'] ?? '127.0.0.1';
  const dir = option(args, '--dir') ?? 'dist';
  if (!existsSync(join(dir, 'index.html'))) {
    process.stderr.write(`drillbook serve: no built site in ${dir}/ (no index.html). Run ./drillbook build first.\n`);
    return 1;
  }
  const server = createStaticServer(dir);
  await new Promise<void>((ok) => server.listen(port, host, ok));
  process.stdout.write(`Drillbook is up: http://${host === '0.0.0.0' ? 'localhost' : host}:${port}/\n`);
  await new Promise<void>((ok) => {
    const stop = () => server.close(() => ok());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}
