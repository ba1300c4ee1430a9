/**
 * The learner's sandbox over HTTP:
 *   POST   /api/sandbox        → SandboxInfo (the learner's; started or taken from the pool when missing)
 *   GET    /api/sandbox        → SandboxInfo, or 404 NoSandbox
 *   POST   /api/sandbox/reset  → SandboxInfo of fresh servers
 *   DELETE /api/sandbox        → 204
 * Starting a sandbox (a new one, or a reset) counts against the start rate
 * limits (starts.ts); asking again for one you have does not.
 * Several servers (placement.ts): when the learner's sandbox was lost with
 * the server that held it, POST and GET both start a fresh one here, whose
 * answer (and terminal) carries SANDBOX_TEXTS.serverLost; so a page that
 * reconnects after its server died gets a sandbox, not "it has ended".
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SandboxInfo } from '../../protocol/sandbox.ts';
import { SANDBOX_TEXTS } from '../../protocol/texts.ts';
import type { RouteDeps } from '../app.ts';
import { failure } from '../errors.ts';
import { ownerOf } from '../plugins/starts.ts';

export default async function sandboxRoutes(app: FastifyInstance, deps: RouteDeps) {
  const manager = () => deps.manager ?? Promise.reject(failure('SandboxDisabled', deps.disabledReason));
  const learner = { learner: 'issue', failure: 'SandboxStartFailed' } as const;
  /** A fresh sandbox here when the learner's was lost with its server; undefined otherwise. */
  const replaceLost = async (req: FastifyRequest): Promise<SandboxInfo | undefined> => {
    const m = await manager();
    if (!deps.placement || !(await deps.placement.lost(req.learner, m))) return undefined;
    await app.countStart(req);
    const info = await m.claim(req.learner, ownerOf(req), SANDBOX_TEXTS.serverLost);
    deps.log?.(`sandbox for a learner whose sandbox was lost with its server: ${info.id}`);
    return { ...info, notice: SANDBOX_TEXTS.serverLost };
  };

  app.post('/api/sandbox', { config: learner }, async (req): Promise<SandboxInfo> => {
    const m = await manager();
    const have = m.info(req.learner);
    if (have) return m.claim(req.learner, ownerOf(req));
    const replaced = await replaceLost(req);
    if (replaced) return replaced;
    await app.countStart(req);
    return m.claim(req.learner, ownerOf(req));
  });

  app.get('/api/sandbox', { config: learner }, async (req): Promise<SandboxInfo> => {
    const info = (await manager()).info(req.learner) ?? (await replaceLost(req));
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
