/**
 * The learner's sandbox over HTTP:
 *   POST   /api/sandbox        → SandboxInfo (the learner's; started or taken from the pool when missing)
 *   GET    /api/sandbox        → SandboxInfo, or 404 NoSandbox
 *   POST   /api/sandbox/reset  → SandboxInfo of fresh servers
 *   DELETE /api/sandbox        → 204
 * Starting a sandbox (a new one, or a reset) counts against the start rate
 * limits (starts.ts); asking again for one you have does not.
 */
import type { FastifyInstance } from 'fastify';
import type { SandboxInfo } from '../../protocol/sandbox.ts';
import type { RouteDeps } from '../app.ts';
import { failure } from '../errors.ts';
import { ownerOf } from '../plugins/starts.ts';

export default async function sandboxRoutes(app: FastifyInstance, deps: RouteDeps) {
  const manager = () => deps.manager ?? Promise.reject(failure('SandboxDisabled', deps.disabledReason));
  const learner = { learner: 'issue', failure: 'SandboxStartFailed' } as const;

  app.post('/api/sandbox', { config: learner }, async (req): Promise<SandboxInfo> => {
    const m = await manager();
    const have = m.info(req.learner);
    if (have) return m.claim(req.learner, ownerOf(req));
    await app.countStart(req);
    return m.claim(req.learner, ownerOf(req));
  });

  app.get('/api/sandbox', { config: learner }, async (req): Promise<SandboxInfo> => {
    const info = (await manager()).info(req.learner);
    if (!info) throw failure('NoSandbox');
    return info;
  });

  app.post('/api/sandbox/reset', { config: learner }, async (req): Promise<SandboxInfo> => {
    const m = await manager();
    await app.countStart(req);
    return m.reset(req.learner, ownerOf(req));
  });

  app.delete('/api/sandbox', { config: learner }, async (req, reply) => {
    await (await manager()).end(req.learner, 'stopped');
    return reply.code(204).send();
  });
}
