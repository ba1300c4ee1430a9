/**
 * The learner: a random id in a signed, HttpOnly, SameSite=Strict cookie.
 * Routes say in their config whether they need one (`learner: 'issue'`, a new
 * id is issued when the cookie is missing or forged) or only read one
 * (`learner: 'existing'`, e.g. a WebSocket upgrade, which cannot set
 * cookies); the hook puts it on `req.learner` ('' when there is none).
 * The cookie is `Secure` whenever the request came over https (behind a TLS
 * proxy: with DRILLBOOK_TRUST_PROXY set, from X-Forwarded-Proto).
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const LEARNER_COOKIE = 'drillbook_learner';
const MAX_AGE_SECONDS = 30 * 24 * 3600;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Whether the route needs the learner's id: issue one when missing, or only read it. */
    learner?: 'issue' | 'existing';
  }
  interface FastifyRequest {
    /** The learner's id from the cookie ('' when the route does not use one or there is none). */
    learner: string;
  }
}

export default fp(
  async function identity(app: FastifyInstance, opts: { secret: string }) {
    await app.register(fastifyCookie, { secret: opts.secret });
    app.decorateRequest('learner', '');
    app.addHook('onRequest', async (req, reply) => {
      const mode = req.routeOptions.config.learner;
      if (!mode) return;
      const raw = req.cookies[LEARNER_COOKIE];
      if (raw) {
        const u = req.unsignCookie(raw);
        if (u.valid && u.value) {
          req.learner = u.value;
          return;
        }
      }
      if (mode === 'existing') return;
      req.learner = randomBytes(16).toString('hex');
      void reply.setCookie(LEARNER_COOKIE, req.learner, {
        signed: true,
        httpOnly: true,
        sameSite: 'strict',
        path: '/',
        secure: req.protocol === 'https',
        maxAge: MAX_AGE_SECONDS,
      });
    });
  },
  { name: 'drillbook-identity' },
);
