/** GET /api/health: whether the server answers and whether sandbox mode is on (and why not). */
import type { FastifyInstance } from 'fastify';
import type { Health } from '../../protocol/sandbox.ts';
import type { RouteDeps } from '../app.ts';

export default async function healthRoutes(app: FastifyInstance, deps: RouteDeps) {
  app.get('/api/health', async (): Promise<Health> => ({
    ok: true,
    results: deps.workshops !== null,
    sandbox: deps.manager ? { enabled: true } : { enabled: false, reason: deps.disabledReason },
  }));
}
