/**
 * The sandbox HTTP answers and the terminal WebSocket protocol, shared by the
 * manager, the server and the browser (which imports types only, so zod stays
 * out of the page's JavaScript). No Node or DOM dependencies.
 *
 * On every attach the server sends `ready`, then replays the shell's recent
 * output (up to 128 KB) before live output: a client clears its screen on
 * `ready` so a reattach shows the screen once.
 *
 * WebSocket /api/sandbox/terminal:
 * - binary frames carry terminal bytes both ways (keystrokes in, output out);
 * - text frames carry one JSON control message each, validated below.
 */
import { z } from 'zod';

/** Browser → server control messages. */
export const ClientMessage = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('resize').describe('The terminal was resized'),
      cols: z.number().int().min(2).max(1000).describe('Columns'),
      rows: z.number().int().min(1).max(500).describe('Rows'),
    })
    .describe('Resize the pseudo-terminal'),
  z.object({ type: z.literal('pause').describe('Stop sending output until resume (flow control)') }),
  z.object({ type: z.literal('resume').describe('Send output again after pause') }),
  z.object({ type: z.literal('restart').describe('Start a new shell after the previous one exited') }),
  z.object({
    type: z.literal('ping').describe('Latency probe; answered by pong with the same id'),
    id: z.number().int().describe('Echoed back'),
  }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** Public facts about a learner's sandbox. */
export const SandboxInfo = z.object({
  id: z.string().describe('Opaque sandbox id'),
  engines: z.array(z.enum(['postgresql', 'mariadb'])).describe('Servers running inside'),
  createdAt: z.string().describe('ISO time the sandbox started'),
  expiresAt: z.string().describe('ISO time the hard lifetime ends'),
  idleTimeoutSeconds: z.number().int().describe('Seconds without use after which the sandbox is removed'),
  limits: z
    .object({
      memoryMb: z.number().describe('Memory limit'),
      diskMb: z.number().describe('Size of /var (server data and home)'),
      pids: z.number().describe('Process limit'),
      cpus: z.number().describe('CPU share in cores'),
    })
    .describe('Limits in force'),
  notice: z
    .string()
    .optional()
    .describe('Why this is a fresh sandbox, when the one the learner had was lost with its server (also sent to the terminal)'),
});
export type SandboxInfo = z.infer<typeof SandboxInfo>;

/** Server → browser control messages. */
export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready').describe('Attached to the shell'), sandbox: SandboxInfo }),
  z.object({
    type: z.literal('exit').describe('The shell ended; send restart for a new one'),
    code: z.number().int().describe('Shell exit code'),
  }),
  z.object({
    type: z.literal('notice').describe('Something the learner should know, e.g. a limit was hit'),
    level: z.enum(['info', 'warning']).describe('Severity'),
    text: z.string().describe('One line for the learner'),
  }),
  z.object({
    type: z.literal('closed').describe('The sandbox ended; the socket closes next'),
    reason: z.enum(['idle', 'unused', 'lifetime', 'reset', 'stopped', 'crashed', 'shutdown']).describe('Why'),
    text: z.string().describe('One line for the learner'),
  }),
  z.object({ type: z.literal('pong').describe('Answer to ping'), id: z.number().int().describe('The ping id') }),
  z.object({
    type: z.literal('error').describe('A request could not be served'),
    name: z.string().describe('Stable error name from the server catalogue'),
    message: z.string().describe('What happened and what to do'),
  }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** JSON body of every failed /api answer. */
export const ApiError = z.object({
  error: z.string().describe('Stable error name'),
  message: z.string().describe('What happened and what to do'),
  retryAfterSeconds: z.number().int().optional().describe('When to try again (capacity)'),
});
export type ApiError = z.infer<typeof ApiError>;

/** GET /api/health */
export const Health = z.object({
  ok: z.literal(true),
  results: z.boolean().optional().describe('Whether this server keeps results (POST /api/events); absent on a static host'),
  sandbox: z.object({
    enabled: z.boolean().describe('Whether sandbox mode is available on this server'),
    reason: z.string().optional().describe('Why not, when disabled'),
  }),
});
export type Health = z.infer<typeof Health>;
