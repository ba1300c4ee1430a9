/**
 * Who may talk to this server, decided on every request before any route
 * runs:
 * - Host: an IP address, or a name this server is known by (localhost, HOST,
 *   the public URL's host, DRILLBOOK_ALLOWED_HOSTS). Any other name is
 *   refused, so a page that rebinds its own DNS name to 127.0.0.1 cannot read
 *   or drive the server (DNS rebinding). An IP address is always safe: a
 *   browser sends one only when the page itself was loaded from it.
 * - Origin: a state-changing request (any method but GET/HEAD/OPTIONS) that
 *   carries an Origin must come from this server's own origin or an allowed
 *   one; a WebSocket upgrade must carry an allowed Origin (browsers always
 *   send one; a missing Origin is a script pretending otherwise).
 * Both look at the route the router matched (so a percent-encoded path that
 * reaches a route is checked like the plain one), never at the raw URL.
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { failure } from '../errors.ts';

export interface GuardOptions {
  /** Host names (with or without :port) accepted in Host besides localhost and IP addresses. */
  allowedHosts: string[];
  /** Origins allowed besides the server's own. */
  allowedOrigins: string[];
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route takes cross-site form posts by design (LTI login and launch, posted by the LMS's
     * page): the Origin check is skipped for it, the Host check is not. Such a route must prove
     * the request's authenticity itself (a platform-signed token bound to a state cookie and a
     * single-use nonce); see docs/security.md.
     */
    crossSite?: boolean;
  }
}

const LOCAL_NAMES = ['localhost'];

/** "example.org:4321" → "example.org"; "[::1]:80" → "[::1]". */
function hostname(host: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(host.trim().toLowerCase());
  return m?.[1] ?? '';
}

/** Whether a Host header names this server. */
export function hostAllowed(host: string | undefined, allowed: string[]): boolean {
  if (!host) return false;
  const h = host.trim().toLowerCase();
  const name = hostname(h);
  if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
  return allowed.some((a) => {
    const x = a.trim().toLowerCase();
    // An entry with a port must match exactly; a bare name matches on any port.
    return /:\d+$/.test(x) && !x.endsWith(']') ? x === h : hostname(x) === name;
  });
}

/** The normal form of an origin (scheme://host[:port], default port dropped), or null. */
function normalOrigin(o: string): string | null {
  try {
    const u = new URL(o);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : null;
  } catch {
    return null;
  }
}

/** Whether `origin` is the request's own origin (its Host already checked) or an allowed one. */
export function originAllowed(origin: string, own: string, allowed: string[]): boolean {
  const o = normalOrigin(origin);
  if (!o) return false;
  return o === normalOrigin(own) || allowed.some((a) => normalOrigin(a) === o);
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

function isUpgrade(req: FastifyRequest): boolean {
  return String(req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

export default fp(
  async function guards(app: FastifyInstance, opts: GuardOptions) {
    const hosts = [...LOCAL_NAMES, ...opts.allowedHosts];
    app.addHook('onRequest', async (req) => {
      if (!hostAllowed(req.host, hosts)) throw failure('HostRejected', hostname(req.host ?? '') || '(none)');
      const upgrade = isUpgrade(req);
      if (SAFE.has(req.method) && !upgrade) return;
      if (req.routeOptions.config.crossSite && !upgrade) return;
      const origin = req.headers.origin;
      if (!origin) {
        if (upgrade) throw failure('OriginRequired');
        return;
      }
      if (!originAllowed(origin, `${req.protocol}://${req.host}`, opts.allowedOrigins)) throw failure('OriginRejected', origin);
    });
  },
  { name: 'drillbook-guards' },
);
