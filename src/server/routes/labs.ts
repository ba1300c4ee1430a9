/**
 * Labs (sandbox mode only):
 *   GET  /api/labs/:id        → LabView (the learner's state of the lab)
 *   POST /api/labs/:id/start  → LabView once the setup has run in fresh servers
 *   POST /api/labs/:id/check  → LabView with every check's result
 *   POST /api/labs/:id/reset  → LabView after fresh servers and the setup again
 *   GET  /api/labs/:id/solution → LabSolution after a real attempt or a give-up (403 SolutionLocked before)
 *   POST /api/labs/:id/give-up  → LabSolution, the give-up recorded as such in the results
 * Start and reset start a sandbox, so they count against the start rate
 * limits, and the sandbox they start is held by this client's address (the
 * manager's per-address cap). LabError answers map to the catalogue in the
 * error handler.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LabService } from '../../labs/service.ts';
import type { LabSolution, LabView } from '../../protocol/labs.ts';
import type { SandboxManager } from '../../sandbox/manager.ts';
import type { RouteDeps } from '../app.ts';
import { failure } from '../errors.ts';
import { ownerOf } from '../plugins/starts.ts';

const LabParams = z.object({
  id: z
    .string()
    .max(200)
    .regex(/^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u)
    .describe('The lab id (its block id)'),
});
/** A request to one of these routes, its params validated by LabParams. */
type LabRequest = FastifyRequest<{ Params: z.infer<typeof LabParams> }>;

export default async function labRoutes(fastify: FastifyInstance, deps: RouteDeps) {
  // Requests are typed from their route's zod schemas (which app.ts's validator checks them against).
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const opts = { schema: { params: LabParams }, config: { learner: 'issue', failure: 'SandboxStartFailed' } } as const;

  function parts(req: LabRequest): { m: SandboxManager; labs: LabService; id: string } {
    const m = deps.manager;
    if (!m) throw failure('SandboxDisabled', deps.disabledReason);
    const { id } = req.params;
    if (!deps.labs) throw failure('LabNotFound', `There is no lab "${id}" on this site.`);
    return { m, labs: deps.labs, id };
  }

  /** Start and reset: counted as a sandbox start, held by this client's address. */
  /** A lab the learner's workshop has not opened yet is refused (pacing). */
  async function open(req: LabRequest): Promise<{ m: SandboxManager; labs: LabService; id: string }> {
    const { id } = req.params;
    if (deps.workshops && (await deps.workshops.labLocked(req.learner, id))) throw failure('LessonLocked', 'this lab');
    return parts(req);
  }

  async function starting(req: LabRequest, work: (labs: LabService, id: string) => Promise<LabView>): Promise<LabView> {
    const { m, labs, id } = await open(req);
    labs.known(id); // An unknown lab fails here, before anything is counted or started.
    await app.countStart(req);
    m.noteOwner(req.learner, ownerOf(req));
    return work(labs, id);
  }

  app.get('/api/labs/:id', opts, async (req): Promise<LabView> => {
    const { labs, id } = parts(req);
    return labs.view(req.learner, id);
  });
  app.post('/api/labs/:id/start', opts, async (req) => starting(req, (labs, id) => labs.start(req.learner, id)));
  app.post('/api/labs/:id/check', opts, async (req): Promise<LabView> => {
    const { labs, id } = await open(req);
    return labs.check(req.learner, id);
  });
  app.post('/api/labs/:id/reset', opts, async (req) => starting(req, (labs, id) => labs.reset(req.learner, id)));
  // The solution is never in the page: it is served here once the learner has tried, or given up.
  app.get('/api/labs/:id/solution', opts, async (req): Promise<LabSolution> => {
    const { labs, id } = await open(req);
    return labs.solution(req.learner, id);
  });
  app.post('/api/labs/:id/give-up', opts, async (req): Promise<LabSolution> => {
    const { labs, id } = await open(req);
    return labs.giveUp(req.learner, id);
  });
}
