/**
 * The built site: its files (directory URLs answer with their index.html),
 * the site's 404 page for anything else, and a catalogue NotFound for an
 * unknown /api path (matched on the decoded path, as the router does).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { failure } from '../errors.ts';

function decodedPath(url: string): string {
  const path = url.split('?')[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

// Not encapsulated: the not-found handler is the whole server's.
export default fp(async function staticRoutes(app: FastifyInstance, opts: { siteDir: string }) {
  const site = opts.siteDir;
  if (existsSync(join(site, 'index.html'))) {
    // preCompressed: the build writes .br and .gz copies of text files (src/cli/compress.ts); sent to browsers that accept them.
    await app.register(fastifyStatic, { root: site, index: ['index.html'], redirect: true, wildcard: true, preCompressed: true });
  }
  app.setNotFoundHandler(async (req, reply) => {
    const path = decodedPath(req.url);
    if (path === '/api' || path.startsWith('/api/')) throw failure('NotFound', path);
    const page = join(site, '404.html');
    if (existsSync(page)) return reply.code(404).type('text/html; charset=utf-8').sendFile('404.html', site);
    return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><h1>Not found</h1>');
  });
});
