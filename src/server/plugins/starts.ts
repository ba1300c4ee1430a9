/**
 * Sandbox starts are the expensive thing a client can ask for, so they are
 * rate-limited twice (with @fastify/rate-limit's store): per learner
 * (DRILLBOOK_START_RATE a minute) and per client address
 * (DRILLBOOK_START_RATE_PER_IP a minute, generous, because a class behind one
 * NAT shares it). Routes that start a sandbox call `app.countStart(req)`
 * first; it throws RateLimited with the seconds to wait.
 *
 * `ownerOf(req)` is who a sandbox is held by for the manager's per-address
 * cap: the client address, IPv6 per /64 (the proxy's X-Forwarded-For when
 * DRILLBOOK_TRUST_PROXY trusts it), and the workshop of a member (instructor.ts).
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Owner } from '../../sandbox/manager.ts';
import { clientKey } from '../address.ts';
import { rateLimited } from '../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts one sandbox start for this request's learner and address; throws RateLimited when over a limit. */
    countStart(req: FastifyRequest): Promise<void>;
  }
}

export interface StartLimits {
  perLearnerPerMinute: number;
  perIpPerMinute: number;
}

export function ownerOf(req: FastifyRequest): Owner {
  // A workshop member's sandbox is one of the workshop's seats, not one of this address's.
  const ip = clientKey(req.ip);
  return req.workshop ? { ip, workshop: req.workshop } : { ip };
}

export default fp(
  async function starts(app: FastifyInstance, opts: StartLimits) {
    await app.register(fastifyRateLimit, { global: false });
    const byLearner = app.createRateLimit({
      max: opts.perLearnerPerMinute,
      timeWindow: 60_000,
      keyGenerator: (req) => `start-learner:${req.learner}`,
    });
    const byIp = app.createRateLimit({
      max: opts.perIpPerMinute,
      timeWindow: 60_000,
      keyGenerator: (req) => `start-ip:${clientKey(req.ip)}`,
    });
    app.decorate('countStart', async (req: FastifyRequest) => {
      for (const [limit, name] of [
        [byIp, 'sandboxStartsFromAddress'],
        [byLearner, 'sandboxStarts'],
      ] as const) {
        const r = await limit(req);
        // (isAllowed means "on the allow list"; isExceeded is the verdict.)
        if (!r.isAllowed && r.isExceeded) throw rateLimited(name, Math.max(1, r.ttlInSeconds));
      }
    });
  },
  { name: 'drillbook-starts', dependencies: ['drillbook-identity'] },
);
