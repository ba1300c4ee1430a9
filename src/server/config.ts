/**
 * The server's configuration, made from the settings (src/config/settings.ts)
 * once at start. A bad value stops the server with a message naming the
 * variable. Pure apart from the host facts it reads (our uid); the cookie key
 * kept in the state dir is resolved by serve.ts (secret.ts).
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { readSettings, SettingsError } from '../config/settings.ts';

export interface ServerConfig {
  port: number;
  host: string;
  siteDir: string;
  sandbox: boolean;
  /** DRILLBOOK_DRIVER; undefined: bwrap where it works, else docker (create-driver.ts). */
  driver: 'bwrap' | 'docker' | undefined;
  stateDir: string;
  maxSandboxes: number;
  maxSandboxesPerIp: number;
  poolSize: number;
  idleTimeoutMs: number;
  unusedGraceMs: number;
  lifetimeMs: number;
  maxViewers: number;
  limits: { memoryBytes: number; diskBytes: number; pids: number; cpus: number };
  memoryReserveBytes: number;
  uidBase: number;
  /** Short name of this server's state dir: its cgroups live under drillbook/<instance>. */
  instance: string;
  startTimeoutMs: number;
  /** From DRILLBOOK_SECRET; undefined: the key kept in the state dir (secret.ts). */
  secret: string | undefined;
  publicUrl: string | undefined;
  allowedHosts: string[];
  allowedOrigins: string[];
  trustProxy: boolean | number | string[];
  startRatePerLearner: number;
  startRatePerIp: number;
  /** PostgreSQL for the results store; undefined: SQLite in the state dir. */
  databaseUrl: string | undefined;
  /** DRILLBOOK_INSTRUCTOR_PASSWORD (hashed into the state dir at start, never kept in clear). */
  instructorPassword: string | undefined;
  prewarmMs: number;
  /** DRILLBOOK_LTI_PLATFORMS: the LTI platform registrations file; undefined: LTI off. */
  ltiPlatforms: string | undefined;
  /** DRILLBOOK_LTI_SCORE: which answer to a quiz question counts in LMS scores. */
  ltiScore: 'first' | 'best' | 'last';
  /** This server's name among several sharing one store (the `drillbook_server` cookie). */
  serverId: string;
}

export { SettingsError as ConfigError };

/** Identifies a state dir: the same folder always gives the same instance name and uid range. */
export function instanceOf(stateDir: string): { instance: string; uidBase: number } {
  const h = createHash('sha256').update(resolve(stateDir)).digest();
  // Ranges 1,000,000 apart from 1,000,000 up (each server uses at most 1,001 uids), below 2^31
  // so that no tool reading uids as signed ints is confused.
  return { instance: h.toString('hex').slice(0, 8), uidBase: 1_000_000 * (1 + (h.readUInt32BE(0) % 2000)) };
}

/** Sandboxes the host can hold at once: the capacity setting, and what memory allows. */
export function hostCapacity(c: Pick<ServerConfig, 'maxSandboxes' | 'memoryReserveBytes' | 'limits'>, totalMemory: number): number {
  return Math.max(0, Math.min(c.maxSandboxes, Math.floor((totalMemory - c.memoryReserveBytes) / c.limits.memoryBytes)));
}

/** Where learners open the site: the public URL, else http://HOST:PORT (localhost for a wildcard HOST). */
export function publicOrigin(c: Pick<ServerConfig, 'publicUrl' | 'host' | 'port'>): string {
  if (c.publicUrl) return c.publicUrl;
  const host = c.host === '0.0.0.0' || c.host === '::' ? 'localhost' : c.host.includes(':') ? `[${c.host}]` : c.host;
  return `http://${host}:${c.port}`;
}

/** Reads and validates the server configuration; throws ConfigError naming each bad variable. */
export function loadServerConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const s = readSettings(env);
  const stateDir = resolve(s.DRILLBOOK_STATE_DIR ?? (process.getuid?.() === 0 ? '/var/lib/drillbook' : '.drillbook'));
  const inst = instanceOf(stateDir);
  return {
    port: s.PORT,
    host: s.HOST,
    siteDir: resolve(s.DRILLBOOK_SITE_DIR!),
    sandbox: s.DRILLBOOK_SANDBOX === 'on',
    driver: s.DRILLBOOK_DRIVER,
    stateDir,
    maxSandboxes: s.DRILLBOOK_MAX_SANDBOXES,
    maxSandboxesPerIp: s.DRILLBOOK_MAX_SANDBOXES_PER_IP,
    poolSize: s.DRILLBOOK_POOL_SIZE,
    idleTimeoutMs: s.DRILLBOOK_IDLE_TIMEOUT,
    unusedGraceMs: s.DRILLBOOK_UNUSED_GRACE,
    lifetimeMs: s.DRILLBOOK_LIFETIME,
    maxViewers: s.DRILLBOOK_MAX_VIEWERS,
    limits: {
      memoryBytes: s.DRILLBOOK_SANDBOX_MEMORY,
      diskBytes: s.DRILLBOOK_SANDBOX_DISK,
      pids: s.DRILLBOOK_SANDBOX_PIDS,
      cpus: s.DRILLBOOK_SANDBOX_CPUS,
    },
    memoryReserveBytes: s.DRILLBOOK_MEMORY_RESERVE,
    uidBase: s.DRILLBOOK_SANDBOX_UID_BASE ?? inst.uidBase,
    instance: inst.instance,
    startTimeoutMs: s.DRILLBOOK_SANDBOX_START_TIMEOUT,
    secret: s.DRILLBOOK_SECRET,
    publicUrl: s.DRILLBOOK_PUBLIC_URL,
    allowedHosts: s.DRILLBOOK_ALLOWED_HOSTS ?? [],
    allowedOrigins: s.DRILLBOOK_ALLOWED_ORIGINS ?? [],
    trustProxy: s.DRILLBOOK_TRUST_PROXY,
    startRatePerLearner: s.DRILLBOOK_START_RATE,
    startRatePerIp: s.DRILLBOOK_START_RATE_PER_IP,
    databaseUrl: s.DRILLBOOK_DATABASE_URL,
    instructorPassword: s.DRILLBOOK_INSTRUCTOR_PASSWORD,
    prewarmMs: s.DRILLBOOK_PREWARM,
    ltiPlatforms: s.DRILLBOOK_LTI_PLATFORMS === undefined ? undefined : resolve(s.DRILLBOOK_LTI_PLATFORMS),
    ltiScore: s.DRILLBOOK_LTI_SCORE,
    serverId:
      s.DRILLBOOK_SERVER_ID ??
      `${hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 50)}-${s.PORT}`,
  };
}
