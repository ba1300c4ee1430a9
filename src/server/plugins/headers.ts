/**
 * Response headers that make every page and answer safer to render:
 * - Content-Security-Policy on pages: scripts only from this origin, or the
 *   exact inline scripts the built site contains (by hash, collected once at
 *   start); WebAssembly for the search index; connections (fetch, WebSocket)
 *   only to this origin; no plugins, no <base> hijack, no framing by others.
 *   Styles may be inline (diagrams and highlighted code carry style
 *   attributes); scripts may not.
 * - X-Content-Type-Options: nosniff, Referrer-Policy, X-Frame-Options (for
 *   browsers without frame-ancestors) on everything.
 * - Cache-Control: no-store on the API: answers are per learner.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** Inline scripts of a built site (executable ones; JSON data blocks are not scripts), as CSP hashes. */
export function inlineScriptHashes(siteDir: string): string[] {
  const hashes = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.html')) {
        const html = readFileSync(p, 'utf8');
        for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
          const attrs = m[1] ?? '';
          if (/\bsrc\s*=/i.test(attrs)) continue;
          const type = /\btype\s*=\s*["']?([^"'\s>]+)/i.exec(attrs)?.[1]?.toLowerCase();
          if (type && type !== 'module' && type !== 'text/javascript' && type !== 'application/javascript') continue;
          hashes.add(
            `'sha256-${createHash('sha256')
              .update(m[2] ?? '', 'utf8')
              .digest('base64')}'`,
          );
        }
      }
    }
  };
  if (existsSync(siteDir)) walk(siteDir);
  return [...hashes].sort();
}

/** The page policy for a site whose inline scripts have these hashes. */
export function contentSecurityPolicy(scriptHashes: string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${scriptHashes.length ? ` ${scriptHashes.join(' ')}` : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route's pages may be framed (LTI pages in the LMS); they set their own CSP with frame-ancestors. */
    framable?: boolean;
  }
}

export default fp(
  async function headers(app: FastifyInstance, opts: { siteDir: string }) {
    const csp = contentSecurityPolicy(inlineScriptHashes(opts.siteDir));
    app.addHook('onSend', async (req, reply, payload) => {
      void reply.header('x-content-type-options', 'nosniff');
      void reply.header('referrer-policy', 'same-origin');
      // LTI pages (route config `framable`) may be framed by the LMS: their own CSP says by whom.
      const framable = req.routeOptions.config.framable === true;
      if (!framable) void reply.header('x-frame-options', 'DENY');
      void reply.header('cross-origin-opener-policy', framable ? 'unsafe-none' : 'same-origin');
      const type = String(reply.getHeader('content-type') ?? '');
      if (type.startsWith('text/html') && !(framable && reply.hasHeader('content-security-policy')))
        void reply.header('content-security-policy', csp);
      if (req.url.startsWith('/api/') || req.routeOptions.url?.startsWith('/api/')) void reply.header('cache-control', 'no-store');
      return payload;
    });
  },
  { name: 'drillbook-headers' },
);
