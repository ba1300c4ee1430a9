/**
 * Server configuration, read from the environment once at start and
 * validated; a bad value stops the server with a message naming the variable.
 * Every variable, its default and meaning is listed in README.md.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';

/** "30m", "4h", "90s", "500ms" or a plain number of milliseconds. */
const Duration = z.string().transform((v, ctx) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(v);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration; write e.g. 90s, 30m or 4h` });
    return z.NEVER;
  }
  const mult = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * mult);
});

/** "512M", "1G", "1024" (MB when unitless). */
const Size = z.string().transform((v, ctx) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([MG])?B?\s*$/i.exec(v);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a size; write e.g. 512M or 1G` });
    return z.NEVER;
  }
  return Math.round(Number(m[1]) * (m[2]?.toUpperCase() === 'G' ? 2 ** 30 : 2 ** 20));
});

const Int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const ServerEnv = z.object({
  PORT: Int(1, 65535).default(4321).describe('HTTP port'),
  HOST: z.string().min(1).default('127.0.0.1').describe('Address to listen on'),
  DRILLBOOK_SITE_DIR: z.string().default('dist').describe('The built static site to serve'),
  DRILLBOOK_SANDBOX: z.enum(['on', 'off']).default('on').describe('Sandbox mode; off serves only the static site'),
  DRILLBOOK_STATE_DIR: z
    .string()
    .default(process.getuid?.() === 0 ? '/var/lib/drillbook' : '.drillbook')
    .describe('Server state (sandbox files and data templates, lab results); must be reachable by the sandbox uids'),
  DRILLBOOK_MAX_SANDBOXES: Int(1, 1000).default(40).describe('Most sandboxes at once, warm pool included'),
  DRILLBOOK_POOL_SIZE: Int(0, 100).default(2).describe('Ready sandboxes kept waiting for the next learner'),
  DRILLBOOK_IDLE_TIMEOUT: Duration.default(30 * 60_000).describe('A sandbox without use this long is removed'),
  DRILLBOOK_LIFETIME: Duration.default(4 * 3_600_000).describe('Hard lifetime of a sandbox'),
  DRILLBOOK_SANDBOX_MEMORY: Size.default(1024 * 2 ** 20).describe('Memory limit per sandbox'),
  DRILLBOOK_SANDBOX_DISK: Size.default(512 * 2 ** 20).describe('Size of each sandbox /var (server data and home)'),
  DRILLBOOK_SANDBOX_PIDS: Int(64, 100_000).default(512).describe('Process limit per sandbox'),
  DRILLBOOK_SANDBOX_CPUS: z.coerce.number().min(0.1).max(64).default(1).describe('CPU cores per sandbox'),
  DRILLBOOK_SANDBOX_UID_BASE: Int(100_000, 4_000_000_000)
    .default(1_000_000)
    .describe('First host uid for sandboxes when the server runs as root'),
  DRILLBOOK_SANDBOX_START_TIMEOUT: Duration.default(30_000).describe('Time allowed for a sandbox to come up'),
  DRILLBOOK_SECRET: z.string().min(16).optional().describe('Key that signs learner cookies (random per start if unset)'),
  DRILLBOOK_ALLOWED_ORIGINS: z
    .string()
    .optional()
    .describe('Comma-separated extra origins allowed to use the sandbox API (the server’s own origin always is)'),
});

export interface ServerConfig {
  port: number;
  host: string;
  siteDir: string;
  sandbox: boolean;
  stateDir: string;
  maxSandboxes: number;
  poolSize: number;
  idleTimeoutMs: number;
  lifetimeMs: number;
  limits: { memoryBytes: number; diskBytes: number; pids: number; cpus: number };
  uidBase: number;
  startTimeoutMs: number;
  secret: string;
  allowedOrigins: string[];
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the server configuration; throws ConfigError naming each bad variable. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const picked: Record<string, string> = {};
  for (const k of Object.keys(ServerEnv.shape)) {
    const v = env[k];
    if (v !== undefined && v !== '') picked[k] = v;
  }
  const r = ServerEnv.safeParse(picked);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new ConfigError(`invalid server configuration:\n${lines.join('\n')}\nSee "Configuration" in README.md.`);
  }
  const e = r.data;
  return {
    port: e.PORT,
    host: e.HOST,
    siteDir: resolve(e.DRILLBOOK_SITE_DIR),
    sandbox: e.DRILLBOOK_SANDBOX === 'on',
    stateDir: resolve(e.DRILLBOOK_STATE_DIR),
    maxSandboxes: e.DRILLBOOK_MAX_SANDBOXES,
    poolSize: e.DRILLBOOK_POOL_SIZE,
    idleTimeoutMs: e.DRILLBOOK_IDLE_TIMEOUT,
    lifetimeMs: e.DRILLBOOK_LIFETIME,
    limits: {
      memoryBytes: e.DRILLBOOK_SANDBOX_MEMORY,
      diskBytes: e.DRILLBOOK_SANDBOX_DISK,
      pids: e.DRILLBOOK_SANDBOX_PIDS,
      cpus: e.DRILLBOOK_SANDBOX_CPUS,
    },
    uidBase: e.DRILLBOOK_SANDBOX_UID_BASE,
    startTimeoutMs: e.DRILLBOOK_SANDBOX_START_TIMEOUT,
    secret: e.DRILLBOOK_SECRET ?? randomBytes(32).toString('hex'),
    allowedOrigins: (e.DRILLBOOK_ALLOWED_ORIGINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}
