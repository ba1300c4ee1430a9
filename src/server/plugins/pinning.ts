/**
 * Several servers behind one proxy: every answer to a learner whose sandbox
 * this server holds carries `drillbook_server=<DRILLBOOK_SERVER_ID>`, which
 * the proxy routes by (docs/deploy.md), so the learner's later requests and
 * their terminal's WebSocket reach this server. The cookie is a routing hint,
 * not a credential: it is not signed, and a learner who changes it only asks
 * another server, which knows nothing of their sandbox (Placement.lost then
 * gives them a fresh one, counted against their start rate).
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { SandboxManager } from '../../sandbox/manager.ts';
import { SERVER_COOKIE, type Placement } from '../placement.ts';

export default fp(
  async function pinning(app: FastifyInstance, opts: { placement: Placement; manager: SandboxManager }) {
    const server = opts.placement.server;
    app.addHook('onSend', async (req, reply, payload) => {
      if (!req.learner || req.cookies[SERVER_COOKIE] === server || !opts.manager.info(req.learner)) return payload;
      const cookie = app.serializeCookie(SERVER_COOKIE, server, {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: req.protocol === 'https',
        maxAge: 24 * 3600,
      });
      const had = reply.getHeader('set-cookie');
      reply.header('set-cookie', had === undefined ? cookie : [...(Array.isArray(had) ? had : [String(had)]), cookie]);
      return payload;
    });
  },
  { name: 'drillbook-pinning', dependencies: ['drillbook-identity'] },
);
