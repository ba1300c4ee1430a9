/**
 * GET /api/sandbox/terminal (WebSocket): the learner's shell. Binary frames
 * carry terminal bytes both ways; text frames carry one JSON control message
 * each (src/protocol/sandbox.ts). Flow control both ways:
 * - output: when the socket has more than HIGH_WATER unsent, the shell's
 *   output waits (the pty is paused) until it drains below LOW_WATER;
 * - input: when the shell has more than the manager's input backlog unread,
 *   the socket stops reading (TCP pushes back on the browser) until it drains.
 * An upgrade needs the learner's cookie (a WebSocket cannot set one: the page
 * opens the sandbox over HTTP first) and an allowed Origin (guards.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { serverErrorMessage } from '../../protocol/errors.ts';
import { ClientMessage, type ServerMessage } from '../../protocol/sandbox.ts';
import type { TerminalClient } from '../../sandbox/manager.ts';
import type { RouteDeps } from '../app.ts';
import { toFailure } from '../plugins/errors.ts';

/** Output waits while a socket has this much unsent. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** Largest frame accepted from a browser (a paste larger than this arrives in several frames). */
export const MAX_FRAME_BYTES = 64 * 1024;

const TerminalQuery = z.object({
  cols: z.coerce.number().int().min(2).max(1000).optional().describe('Terminal width in columns'),
  rows: z.coerce.number().int().min(1).max(500).optional().describe('Terminal height in rows'),
});

function badMessage(detail: string): ServerMessage {
  return { type: 'error', name: 'BadMessage', message: serverErrorMessage('BadMessage', detail) };
}

export default async function terminalRoutes(fastify: FastifyInstance, deps: RouteDeps) {
  // Requests are typed from their route's zod schemas (which app.ts's validator checks them against).
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/sandbox/terminal',
    { websocket: true, config: { learner: 'existing', failure: 'SandboxStartFailed' }, schema: { querystring: TerminalQuery } },
    (socket, req) => {
      const sendMsg = (msg: ServerMessage) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
      };
      const refuse = (msg: Extract<ServerMessage, { type: 'error' }>, code: number) => {
        sendMsg(msg);
        socket.close(code, msg.name);
      };
      const manager = deps.manager;
      if (!manager) {
        refuse({ type: 'error', name: 'SandboxDisabled', message: serverErrorMessage('SandboxDisabled', deps.disabledReason) }, 1008);
        return;
      }
      const who = req.learner;
      if (!who || !manager.info(who)) {
        refuse({ type: 'error', name: 'NoSandbox', message: serverErrorMessage('NoSandbox') }, 1008);
        return;
      }
      const { cols, rows } = req.query;
      const size = cols !== undefined && rows !== undefined ? { cols, rows } : undefined;

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
          // Stop reading this socket while the shell has not taken what was typed (a paste into
          // a busy shell): the browser's sends then wait instead of the server's memory growing.
          if (!manager.input(who, data)) {
            socket.pause();
            manager.onInputDrained(who, () => socket.resume());
          }
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
          const { failure, unexpected } = toFailure(e, req);
          if (unexpected) deps.log?.(`terminal: ${e instanceof Error ? e.message : String(e)}`);
          refuse({ type: 'error', name: failure.error, message: failure.message }, unexpected ? 1011 : 1008);
        },
      );
    },
  );
}
