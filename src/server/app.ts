/**
 * The Drillbook server as a Fastify app: the built static site plus the
 * sandbox API and terminal WebSocket. buildApp() wires everything from
 * injected parts and does not listen; serve.ts calls listen(), and tests use
 * app.inject() or listen on a random port with a driver of their choice.
 *
 * HTTP API (JSON; errors are ServerErrorBody from errors.ts):
 *   GET    /api/health            → Health
 *   POST   /api/sandbox           → SandboxInfo (the learner's; started when missing)
 *   GET    /api/sandbox           → SandboxInfo, or 404 NoSandbox
 *   POST   /api/sandbox/reset     → SandboxInfo of fresh servers
 *   DELETE /api/sandbox           → 204
 *   GET    /api/sandbox/terminal  → WebSocket (protocol.ts)
 * A learner is a random id in a signed, HttpOnly cookie; requests carrying a
 * foreign Origin are refused, so another site cannot drive a learner's shell.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { LabError, type LabService } from '../labs/service.ts';
import { AtCapacityError, type SandboxManager, type TerminalClient } from '../sandbox/manager.ts';
import type { ServerConfig } from './config.ts';
import { SERVER_ERRORS, type ServerErrorBody, type ServerErrorName } from './errors.ts';
import { ClientMessage, type Health, type ServerMessage } from '../sandbox/protocol.ts';

export const LEARNER_COOKIE = 'drillbook_learner';
/** Output waits while a socket has this much unsent. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

export interface AppDeps {
  config: Pick<ServerConfig, 'siteDir' | 'secret' | 'allowedOrigins'>;
  /** null when sandbox mode is off; `disabledReason` says why. */
  manager: SandboxManager | null;
  /** Labs of the served course (needs sandbox mode). */
  labs?: LabService | null;
  disabledReason?: string;
  log?: (line: string) => void;
}

function errorBody(name: ServerErrorName, message: string, extra: Partial<ServerErrorBody> = {}): ServerErrorBody {
  return { error: name, message, ...extra };
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  await app.register(fastifyCookie, { secret: deps.config.secret });
  await app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024 } });

  const manager = deps.manager;
  const disabled = deps.disabledReason ?? 'sandbox mode is off (DRILLBOOK_SANDBOX=off).';

  const send = (reply: FastifyReply, name: ServerErrorName, message: string, extra: Partial<ServerErrorBody> = {}) =>
    reply.code(SERVER_ERRORS[name].status).send(errorBody(name, message, extra));

  /** The learner id from the signed cookie; a new one is issued when missing or forged. */
  function learner(req: FastifyRequest, reply: FastifyReply | null): string {
    const raw = req.cookies[LEARNER_COOKIE];
    if (raw) {
      const u = req.unsignCookie(raw);
      if (u.valid && u.value) return u.value;
    }
    const id = randomBytes(16).toString('hex');
    reply?.setCookie(LEARNER_COOKIE, id, {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: req.protocol === 'https',
      maxAge: 30 * 24 * 3600,
    });
    return id;
  }

  /** An Origin header, when present, must be this server's own or an allowed one. */
  function originAllowed(req: FastifyRequest): string | null {
    const origin = req.headers.origin;
    if (!origin) return null;
    const own = `${req.protocol}://${req.headers.host ?? ''}`;
    if (origin === own || deps.config.allowedOrigins.includes(origin)) return null;
    return origin;
  }

  app.addHook('onRequest', async (req, reply) => {
    if (!req.url.startsWith('/api/')) return;
    if (req.method === 'GET' && req.url !== '/api/sandbox/terminal' && !req.url.startsWith('/api/sandbox/terminal?')) return;
    const bad = originAllowed(req);
    if (bad) return send(reply, 'OriginRejected', SERVER_ERRORS.OriginRejected.message(bad));
  });

  app.get('/api/health', async (): Promise<Health> => ({
    ok: true,
    sandbox: manager ? { enabled: true } : { enabled: false, reason: disabled },
  }));

  const requireManager = (reply: FastifyReply): SandboxManager | null => {
    if (!manager) {
      void send(reply, 'SandboxDisabled', SERVER_ERRORS.SandboxDisabled.message(disabled));
      return null;
    }
    return manager;
  };

  async function claimOrFail(reply: FastifyReply, work: () => Promise<unknown>) {
    try {
      return reply.send(await work());
    } catch (e) {
      if (e instanceof AtCapacityError) {
        reply.header('retry-after', String(e.retryAfterSeconds));
        return send(reply, 'AtCapacity', SERVER_ERRORS.AtCapacity.message(e.retryAfterSeconds), {
          retryAfterSeconds: e.retryAfterSeconds,
        });
      }
      const detail = e instanceof Error ? e.message : String(e);
      deps.log?.(`sandbox start failed: ${detail}`);
      return send(reply, 'SandboxStartFailed', SERVER_ERRORS.SandboxStartFailed.message(firstLine(detail)));
    }
  }

  app.post('/api/sandbox', async (req, reply) => {
    const m = requireManager(reply);
    if (!m) return reply;
    const who = learner(req, reply);
    return claimOrFail(reply, () => m.claim(who));
  });

  app.get('/api/sandbox', async (req, reply) => {
    const m = requireManager(reply);
    if (!m) return reply;
    const info = m.info(learner(req, reply));
    if (!info) return send(reply, 'NoSandbox', SERVER_ERRORS.NoSandbox.message());
    return info;
  });

  app.post('/api/sandbox/reset', async (req, reply) => {
    const m = requireManager(reply);
    if (!m) return reply;
    const who = learner(req, reply);
    return claimOrFail(reply, () => m.reset(who));
  });

  app.delete('/api/sandbox', async (req, reply) => {
    const m = requireManager(reply);
    if (!m) return reply;
    await m.end(learner(req, reply), 'stopped');
    return reply.code(204).send();
  });

  app.get('/api/sandbox/terminal', { websocket: true }, (socket, req) => {
    const sendMsg = (msg: ServerMessage) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
    };
    if (!manager) {
      sendMsg({ type: 'error', name: 'SandboxDisabled', message: SERVER_ERRORS.SandboxDisabled.message(disabled) });
      socket.close(1008, 'SandboxDisabled');
      return;
    }
    // WebSocket upgrades cannot set cookies: a learner without one opens the sandbox over HTTP first.
    const raw = req.cookies[LEARNER_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : null;
    if (!unsigned?.valid || !unsigned.value || !manager.info(unsigned.value)) {
      sendMsg({ type: 'error', name: 'NoSandbox', message: SERVER_ERRORS.NoSandbox.message() });
      socket.close(1008, 'NoSandbox');
      return;
    }
    const who = unsigned.value;
    const query = req.query as Record<string, string | undefined>;
    const size = parseSize(query['cols'], query['rows']);

    let waiting = false;
    const drain = () => {
      if (socket.bufferedAmount > LOW_WATER && socket.readyState === socket.OPEN) {
        setTimeout(drain, 20);
        return;
      }
      waiting = false;
      manager.setPaused(who, false);
    };
    const client: TerminalClient = {
      send(msg) {
        if (socket.readyState !== socket.OPEN) return;
        if (Buffer.isBuffer(msg)) {
          socket.send(msg, { binary: true });
          if (!waiting && socket.bufferedAmount > HIGH_WATER) {
            waiting = true;
            manager.setPaused(who, true);
            setTimeout(drain, 20);
          }
        } else socket.send(JSON.stringify(msg));
      },
      close() {
        socket.close(1000, 'closed');
      },
    };
    let detach: (() => void) | undefined;
    let closed = false;
    socket.on('close', () => {
      closed = true;
      detach?.();
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        manager.input(who, data);
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString('utf8'));
      } catch {
        sendMsg(badMessage('a text frame that is not JSON'));
        return;
      }
      const r = ClientMessage.safeParse(parsed);
      if (!r.success) {
        const issue = r.error.issues[0];
        sendMsg(badMessage(`${issue?.path.join('.') || 'type'}: ${issue?.message ?? 'invalid'}`));
        return;
      }
      const msg = r.data;
      switch (msg.type) {
        case 'resize':
          manager.resize(who, msg.cols, msg.rows);
          break;
        case 'pause':
          manager.setPaused(who, true);
          break;
        case 'resume':
          manager.setPaused(who, false);
          break;
        case 'restart':
          manager.restartShell(who);
          break;
        case 'ping':
          manager.touch(who);
          sendMsg({ type: 'pong', id: msg.id });
          break;
      }
    });
    manager.attach(who, client, size).then(
      (d) => {
        if (closed) d();
        else detach = d;
      },
      (e: unknown) => {
        sendMsg({
          type: 'error',
          name: 'SandboxStartFailed',
          message: SERVER_ERRORS.SandboxStartFailed.message(firstLine(e instanceof Error ? e.message : String(e))),
        });
        socket.close(1011, 'SandboxStartFailed');
      },
    );
  });

  /** Lab routes: every LabError maps to its catalogue entry; capacity as for sandboxes. */
  async function labAction(
    req: FastifyRequest,
    reply: FastifyReply,
    work: (labs: LabService, who: string, id: string) => Promise<unknown>,
  ) {
    const m = requireManager(reply);
    if (!m) return reply;
    const labs = deps.labs;
    const id = (req.params as { id: string }).id;
    if (!labs) return send(reply, 'LabNotFound', SERVER_ERRORS.LabNotFound.message(`There is no lab "${id}" on this site.`));
    const who = learner(req, reply);
    try {
      return reply.send(await work(labs, who, id));
    } catch (e) {
      if (e instanceof LabError) {
        if (e.retryAfterSeconds !== undefined) reply.header('retry-after', String(e.retryAfterSeconds));
        return send(
          reply,
          e.kind,
          SERVER_ERRORS[e.kind].message(e.message),
          e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {},
        );
      }
      return claimOrFail(reply, () => Promise.reject(e));
    }
  }

  app.get('/api/labs/:id', async (req, reply) => labAction(req, reply, async (labs, who, id) => labs.view(who, id)));
  app.post('/api/labs/:id/start', async (req, reply) => labAction(req, reply, (labs, who, id) => labs.start(who, id)));
  app.post('/api/labs/:id/check', async (req, reply) => labAction(req, reply, (labs, who, id) => labs.check(who, id)));
  app.post('/api/labs/:id/reset', async (req, reply) => labAction(req, reply, (labs, who, id) => labs.reset(who, id)));

  app.all('/api/*', async (req, reply) => send(reply, 'NotFound', SERVER_ERRORS.NotFound.message(req.url.split('?')[0] ?? '')));

  const site = deps.config.siteDir;
  if (existsSync(join(site, 'index.html'))) {
    await app.register(fastifyStatic, { root: site, index: ['index.html'], redirect: true, wildcard: true });
  }
  app.setNotFoundHandler((req, reply) => {
    const page = join(site, '404.html');
    if (existsSync(page)) return reply.code(404).type('text/html; charset=utf-8').sendFile('404.html', site);
    return reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><h1>Not found</h1>');
  });
  return app;
}

function badMessage(detail: string): ServerMessage {
  return { type: 'error', name: 'BadMessage', message: SERVER_ERRORS.BadMessage.message(detail) };
}

function parseSize(cols: string | undefined, rows: string | undefined): { cols: number; rows: number } | undefined {
  const c = Number(cols);
  const r = Number(rows);
  if (Number.isInteger(c) && Number.isInteger(r) && c >= 2 && c <= 1000 && r >= 1 && r <= 500) return { cols: c, rows: r };
  return undefined;
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 300);
}
