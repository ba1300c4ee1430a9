/**
 * The Drillbook server as a Fastify app: plugins for what every request
 * needs, then one route module per area. buildApp() wires everything from
 * injected parts and does not listen; serve.ts calls listen(), and tests use
 * app.inject() or listen on a random port with a driver of their choice.
 *
 *   plugins/errors.ts    every error → a catalogue answer (src/protocol/errors.ts)
 *   plugins/headers.ts   CSP, nosniff, framing, no-store on the API
 *   plugins/guards.ts    Host (DNS rebinding) and Origin (cross-site) checks on the matched route
 *   plugins/identity.ts  the learner cookie → req.learner
 *   plugins/starts.ts    rate limits on sandbox starts; who holds a sandbox
 *   plugins/instructor.ts instructor session cookie → req.instructor; the learner's workshop → req.workshop
 *   plugins/pacing.ts    locked lessons and labs withheld from workshop members' pages
 *   plugins/pinning.ts   several servers: the cookie that keeps a learner on the server holding their sandbox
 *   routes/health.ts, sandbox.ts, terminal.ts, labs.ts, workshops.ts (results, workshops, live view),
 *   lti.ts (LTI 1.3 launches, deep linking, JWKS), static.ts
 * A new area (workshops, instructor pages, exports, LTI) is a new route
 * module registered below; params, queries and bodies are validated by the
 * zod schemas each route declares (fastify-type-provider-zod).
 */
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { LabService } from '../labs/service.ts';
import type { LtiService } from '../lti/service.ts';
import type { SandboxManager } from '../sandbox/manager.ts';
import type { Instructors } from '../workshops/instructors.ts';
import type { WorkshopService } from '../workshops/service.ts';
import type { Placement } from './placement.ts';
import errorPlugin, { BODY_LIMIT, clientErrorResponse } from './plugins/errors.ts';
import guards from './plugins/guards.ts';
import headers from './plugins/headers.ts';
import identity from './plugins/identity.ts';
import instructor from './plugins/instructor.ts';
import pacing from './plugins/pacing.ts';
import pinning from './plugins/pinning.ts';
import starts from './plugins/starts.ts';
import healthRoutes from './routes/health.ts';
import labRoutes from './routes/labs.ts';
import ltiRoutes from './routes/lti.ts';
import sandboxRoutes from './routes/sandbox.ts';
import staticRoutes from './routes/static.ts';
import terminalRoutes, { MAX_FRAME_BYTES } from './routes/terminal.ts';
import workshopRoutes from './routes/workshops.ts';

export { LEARNER_COOKIE } from './plugins/identity.ts';

export interface AppConfig {
  /** The built site to serve. */
  siteDir: string;
  /** Key that signs the learner cookie. */
  secret: string;
  /** Origins besides the server's own that may use the API. */
  allowedOrigins: string[];
  /** Host names (besides localhost and IP addresses) the server answers for. */
  allowedHosts?: string[];
  /** Fastify's trustProxy: whether X-Forwarded-* from a proxy are believed. */
  trustProxy?: boolean | number | string[];
  /** Sandbox starts one learner / one address may ask for per minute. */
  startRatePerLearner?: number;
  startRatePerIp?: number;
}

export interface AppDeps {
  config: AppConfig;
  /** null when sandbox mode is off; `disabledReason` says why. */
  manager: SandboxManager | null;
  /** Labs of the served course (needs sandbox mode). */
  labs?: LabService | null;
  disabledReason?: string;
  log?: (line: string) => void;
  /** Results and workshops (the results store); without them /api/events and the workshop routes are absent. */
  workshops?: WorkshopService | null;
  instructors?: Instructors | null;
  /** LTI 1.3 (DRILLBOOK_LTI_PLATFORMS); without it the /lti routes are absent. */
  lti?: LtiService | null;
  /** Several servers sharing one store: where sandboxes are, and the proxy's pinning cookie (placement.ts). */
  placement?: Placement | null;
}

/** The parts route modules receive. */
export interface RouteDeps {
  manager: SandboxManager | null;
  labs: LabService | null;
  workshops: WorkshopService | null;
  disabledReason: string;
  log: ((line: string) => void) | undefined;
  placement: Placement | null;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const c = deps.config;
  const trust = c.trustProxy ?? false;
  const app = Fastify({
    logger: false,
    bodyLimit: BODY_LIMIT,
    // A hop count n trusts the n nearest proxies (as proxy-addr reads a number).
    trustProxy: typeof trust === 'number' ? (_addr: string, hop: number) => hop < trust : trust,
    // A request Node refuses before Fastify sees it (oversized headers, bad HTTP) gets our error shape too.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (socket.writable) socket.end(clientErrorResponse(err.code));
      else socket.destroy(err);
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const routeDeps: RouteDeps = {
    manager: deps.manager,
    labs: deps.labs ?? null,
    workshops: deps.workshops ?? null,
    disabledReason: deps.disabledReason ?? 'sandbox mode is off (DRILLBOOK_SANDBOX=off).',
    log: deps.log,
    placement: deps.placement ?? null,
  };

  await app.register(errorPlugin, { log: deps.log });
  await app.register(headers, { siteDir: c.siteDir });
  // Before the guards: its onRequest hook marks upgrades so that a refused one is closed, not left open.
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_FRAME_BYTES } });
  await app.register(guards, { allowedHosts: c.allowedHosts ?? [], allowedOrigins: c.allowedOrigins });
  await app.register(identity, { secret: c.secret });
  await app.register(starts, { perLearnerPerMinute: c.startRatePerLearner ?? 6, perIpPerMinute: c.startRatePerIp ?? 60 });
  await app.register(instructor, { workshops: deps.workshops ?? null, instructors: deps.instructors ?? null, log: deps.log });
  if (deps.placement && deps.manager) await app.register(pinning, { placement: deps.placement, manager: deps.manager });
  if (deps.workshops) await app.register(pacing, { siteDir: c.siteDir, workshops: deps.workshops });

  await app.register(healthRoutes, routeDeps);
  await app.register(sandboxRoutes, routeDeps);
  await app.register(terminalRoutes, routeDeps);
  await app.register(labRoutes, routeDeps);
  if (deps.workshops && deps.instructors)
    await app.register(workshopRoutes, { ...routeDeps, workshops: deps.workshops, instructors: deps.instructors });
  if (deps.lti) await app.register(ltiRoutes, { lti: deps.lti, log: deps.log });
  await app.register(staticRoutes, { siteDir: c.siteDir });
  return app;
}
