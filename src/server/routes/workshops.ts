/**
 * Results and workshops over HTTP (every body and param validated by the zod
 * schemas in src/protocol; refusals are catalogue answers, never 5xx).
 *
 * Learners (cookie `drillbook_learner`):
 *   POST /api/events            → EventAck: the ids committed, and the events refused for good (each by its id, with a
 *                                 catalogue name); a page's queue sends the rest again until acknowledged
 *   GET  /api/me                → Me: the learner's workshop (locks, messages, watching), or null
 *   GET  /api/me/stream         → SSE of LearnerMessage: state, messages, watch on/off
 *   POST /api/me/watch          → {allowed}: whether the instructor may watch my terminal
 *   POST /api/me/resume-link    → {url}: a personal link that opens my progress on another device
 *   POST /api/join              → JoinAnswer; 404 JoinCodeUnknown, 410 WorkshopEnded, 409 WorkshopFull / NameTaken
 *   GET  /join/:code            → the join page with the code filled in
 *   GET  /resume/:token         → this browser becomes that learner, then the home page
 * Instructors (cookie `drillbook_instructor`):
 *   POST /api/instructor/login  → {name}; rate-limited; GET /api/instructor/me; POST /api/instructor/logout
 *   GET  /instructor/login/:token → a one-time link from the CLI signs in, then the workshop
 *   GET  /api/workshops, POST /api/workshops → list, create (CreatedWorkshop: says when the host cannot hold the seats)
 *   GET  /api/workshops/:id/live → LiveSnapshot; GET /api/workshops/:id/stream → SSE of LiveMessage
 *   GET  /api/workshops/:id/grades?format=csv|json|canvas-csv|moodle-csv&score=first|best|last&bom=1
 *                               → the gradebook as a download (exports/gradebook.ts)
 *   POST /api/workshops/:id/locks | /messages | /end
 *   GET  /api/workshops/:id/watch/:learner (WebSocket) → the learner's terminal, read-only
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { serverErrorMessage, type RateLimit } from '../../protocol/errors.ts';
import { ClientEvent, EventBatchBody, type EventAck, type RefusedEvent } from '../../protocol/events.ts';
import type { ServerMessage } from '../../protocol/sandbox.ts';
import {
  CreateWorkshopBody,
  JoinBody,
  LockBody,
  LoginBody,
  MessageBody,
  WatchBody,
  type JoinAnswer,
  type Me,
} from '../../protocol/workshops.ts';
import { GRADE_FORMATS, renderGradebook, SCORE_POLICIES } from '../../exports/gradebook.ts';
import type { TerminalClient } from '../../sandbox/manager.ts';
import type { Instructors } from '../../workshops/instructors.ts';
import type { WorkshopService } from '../../workshops/service.ts';
import type { RouteDeps } from '../app.ts';
import { failure, rateLimited } from '../errors.ts';
import { LEARNER_COOKIE } from '../plugins/identity.ts';
import { clearInstructor, instructorOf, setInstructor } from '../plugins/instructor.ts';
import { toFailure } from '../plugins/errors.ts';
import { clientKey } from '../address.ts';

const Id = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/)
    .describe('Workshop id'),
});
const Watch = Id.extend({
  learner: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .describe('Learner id'),
});
const Token = z.object({
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{10,100}$/)
    .describe('One-time token'),
});
const GradesQuery = z.object({
  format: z.enum(GRADE_FORMATS).default('csv').describe('File layout: our CSV, JSON, or the Canvas / Moodle import layout'),
  score: z.enum(SCORE_POLICIES).default('best').describe('Which answer or lab attempt counts: first, best or last'),
  bom: z.enum(['0', '1']).default('0').describe('1: start the CSV with a UTF-8 byte-order mark (Excel)'),
});
const Code = z.object({ code: z.string().max(20).describe('Join code') });

const HEARTBEAT_MS = 15_000;

/** Opens a server-sent events stream on this reply (kept in `streams` while open); returns send(). */
function sse(streams: Set<FastifyReply['raw']>, req: FastifyRequest, reply: FastifyReply, onClose: () => void): (data: unknown) => void {
  reply.hijack();
  const res = reply.raw;
  streams.add(res);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-accel-buffering': 'no',
    connection: 'keep-alive',
  });
  res.write(': stream open\n\n');
  const beat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  let closed = false;
  req.raw.on('close', () => {
    closed = true;
    streams.delete(res);
    clearInterval(beat);
    onClose();
  });
  return (data) => {
    if (!closed) res.write(`data: ${JSON.stringify(data)}\n\n`);
  };
}

export interface WorkshopRouteDeps extends RouteDeps {
  workshops: WorkshopService;
  instructors: Instructors;
}

export default async function workshopRoutes(fastify: FastifyInstance, deps: WorkshopRouteDeps) {
  // Requests are typed from their route's zod schemas (which app.ts's validator checks them against).
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const ws = deps.workshops;
  // Open event streams are ended when the server closes (they would keep it waiting).
  const streams = new Set<FastifyReply['raw']>();
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });
  const learner = { config: { learner: 'issue' } } as const;
  const byIp = (name: string, max: number) =>
    app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: (req) => `${name}:${clientKey(req.ip)}` });
  const loginLimit = byIp('login', 10);
  // Generous: a class behind one NAT joins from one address; still far too slow to guess codes (29^6).
  const joinLimit = byIp('join', 300);
  const limited = async (limit: ReturnType<typeof byIp>, req: FastifyRequest, name: RateLimit) => {
    const r = await limit(req);
    if (!r.isAllowed && r.isExceeded) throw rateLimited(name, Math.max(1, r.ttlInSeconds));
  };

  // --- results ---------------------------------------------------------------------------------
  // Each event is checked on its own: one the server cannot accept is refused by its id, the others
  // are committed and acknowledged (a page's queue must not lose good events with a bad one).
  app.post('/api/events', { ...learner, schema: { body: EventBatchBody } }, async (req): Promise<EventAck> => {
    const { events } = req.body;
    const valid: ClientEvent[] = [];
    const refused: RefusedEvent[] = [];
    events.forEach((raw, i) => {
      const parsed = ClientEvent.safeParse(raw);
      if (parsed.success) valid.push(parsed.data);
      else {
        const issue = parsed.error.issues[0];
        const where = ['body', 'events', i, ...(issue?.path ?? [])].map(String).join('.');
        refused.push({
          id: raw.id,
          error: 'BadRequest',
          message: serverErrorMessage('BadRequest', `${where}: ${issue?.message ?? 'invalid'}`),
        });
      }
    });
    const ack = valid.length > 0 ? await ws.record(req.learner, valid) : { acked: [], refused: [] };
    return { acked: ack.acked, refused: [...refused, ...ack.refused] };
  });

  // --- learners --------------------------------------------------------------------------------
  app.get('/api/me', learner, async (req): Promise<Me> => ({ results: true, workshop: await ws.mine(req.learner) }));

  app.get('/api/me/stream', learner, async (req, reply) => {
    let off = () => {};
    const send = sse(streams, req, reply, () => off());
    off = ws.subscribeLearner(req.learner, send);
    send({ type: 'state', state: await ws.mine(req.learner) });
  });

  app.post('/api/me/watch', { ...learner, schema: { body: WatchBody } }, async (req) => {
    const { allowed } = req.body;
    await ws.setWatchAllowed(req.learner, allowed);
    return { allowed };
  });

  app.post('/api/me/resume-link', learner, async (req) => {
    const token = await deps.workshops.createResumeToken(req.learner);
    return { url: `${req.protocol}://${req.host}/resume/${token}` };
  });

  app.post('/api/join', { ...learner, schema: { body: JoinBody } }, async (req): Promise<JoinAnswer> => {
    await limited(joinLimit, req, 'joins');
    const { code, name } = req.body;
    const workshop = await ws.join(code, req.learner, name);
    const token = await deps.workshops.createResumeToken(req.learner);
    return { workshop, resumeUrl: `${req.protocol}://${req.host}/resume/${token}` };
  });

  app.get('/join/:code', { schema: { params: Code } }, async (req, reply) => {
    const { code } = req.params;
    // "/join/" itself (the router gives it an empty code) is the join page.
    if (code === '') return reply.type('text/html; charset=utf-8').sendFile('join/index.html');
    return reply.redirect(`/join/?code=${encodeURIComponent(code)}`);
  });

  app.get('/resume/:token', { schema: { params: Token } }, async (req, reply) => {
    const { token } = req.params;
    const who = await deps.workshops.resumeLearner(token);
    if (!who) throw failure('ResumeLinkInvalid');
    void reply.setCookie(LEARNER_COOKIE, who, {
      signed: true,
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: req.protocol === 'https',
      maxAge: 30 * 24 * 3600,
    });
    const mine = await ws.mine(who);
    const first = mine?.lessons[0];
    return reply.redirect(first ? `/${first}/` : '/');
  });

  // --- instructors -----------------------------------------------------------------------------
  app.post('/api/instructor/login', { schema: { body: LoginBody } }, async (req, reply) => {
    await limited(loginLimit, req, 'signIns');
    if (deps.instructors.names.length === 0) throw failure('InstructorSignInUnavailable');
    const { name, password } = req.body;
    const who = await deps.instructors.verify(name, password);
    if (!who) throw failure('InstructorSignInFailed');
    await setInstructor(req, reply, who, 'password');
    return { name: who };
  });

  app.post('/api/instructor/logout', async (req, reply) => {
    await clearInstructor(req, reply);
    return reply.code(204).send();
  });

  app.get('/api/instructor/me', async (req) => ({ name: instructorOf(req), passwords: deps.instructors.names.length > 0 }));

  app.get('/instructor/login/:token', { schema: { params: Token } }, async (req, reply) => {
    const { token } = req.params;
    const used = await deps.workshops.useLoginToken(token);
    if (!used) throw failure('SignInLinkInvalid');
    await setInstructor(req, reply, used.instructor, 'link');
    return reply.redirect(used.workshop ? `/instructor/workshop/?id=${encodeURIComponent(used.workshop)}` : '/instructor/');
  });

  app.get('/api/workshops', async (req) => ({ workshops: await ws.list(instructorOf(req)) }));

  app.post('/api/workshops', { schema: { body: CreateWorkshopBody } }, async (req) => ws.create(instructorOf(req), req.body));

  app.get('/api/workshops/:id/live', { schema: { params: Id } }, async (req) => ws.snapshot(instructorOf(req), req.params.id));

  app.get('/api/workshops/:id/stream', { schema: { params: Id } }, async (req, reply) => {
    const who = instructorOf(req);
    const { id } = req.params;
    const snapshot = await ws.snapshot(who, id);
    let off = () => {};
    const send = sse(streams, req, reply, () => off());
    off = ws.subscribeLive(id, send);
    send({ type: 'snapshot', snapshot });
  });

  app.get('/api/workshops/:id/grades', { schema: { params: Id, querystring: GradesQuery } }, async (req, reply) => {
    const { format, score, bom } = req.query;
    const book = await ws.gradebook(instructorOf(req), req.params.id, score);
    const file = renderGradebook(book, format, { bom: bom === '1' });
    return reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.fileName}"`)
      .send(file.body);
  });

  app.post('/api/workshops/:id/locks', { schema: { params: Id, body: LockBody } }, async (req) => {
    const { kind, target, locked } = req.body;
    await ws.setLock(instructorOf(req), req.params.id, { kind, target }, locked);
    return { kind, target, locked };
  });

  app.post('/api/workshops/:id/messages', { schema: { params: Id, body: MessageBody } }, async (req) => {
    const m = req.body;
    await ws.message(instructorOf(req), req.params.id, m);
    return { sent: true };
  });

  app.post('/api/workshops/:id/end', { schema: { params: Id } }, async (req) => ({
    workshop: await ws.end(instructorOf(req), req.params.id),
  }));

  // The learner's terminal, read-only: output only; nothing the instructor sends reaches the shell.
  app.get('/api/workshops/:id/watch/:learner', { websocket: true, schema: { params: Watch } }, (socket, req) => {
    const { id, learner: who } = req.params;
    const send = (msg: ServerMessage | Buffer) => {
      if (socket.readyState !== socket.OPEN) return;
      if (Buffer.isBuffer(msg)) {
        // A watcher that cannot keep up misses output rather than slowing the learner's shell.
        if (socket.bufferedAmount < 4 * 1024 * 1024) socket.send(msg, { binary: true });
      } else socket.send(JSON.stringify(msg));
    };
    const refuse = (name: string, message: string) => {
      send({ type: 'error', name, message });
      socket.close(1008, name);
    };
    let detach: (() => void) | undefined;
    let closed = false;
    socket.on('message', () => {
      // Read-only: keystrokes and control messages from a watcher are ignored.
    });
    socket.on('close', () => {
      closed = true;
      if (detach) {
        detach();
        void ws.watched(id, who, -1);
      }
    });
    void (async () => {
      try {
        await ws.mayWatch(instructorOf(req), id, who);
        if (!deps.manager) throw failure('SandboxDisabled', deps.disabledReason);
        const client: TerminalClient = { send, close: () => socket.close(1000, 'closed') };
        const d = deps.manager.watch(who, client);
        if (!d) {
          refuse('NoSandbox', 'This learner has no terminal open right now.');
          return;
        }
        if (closed) {
          d();
          return;
        }
        detach = d;
        await ws.watched(id, who, 1);
      } catch (e) {
        const { failure: f } = toFailure(e, req);
        refuse(f.error, f.message || serverErrorMessage('InternalError'));
      }
    })();
  });
}
