/**
 * Every Drillbook setting, site, server and sandbox driver alike, in one zod
 * schema read from the environment. Each field says what it means
 * (`.describe`), which table of the README it belongs to and what its default
 * looks like there (`.meta`): the README's tables are generated from this
 * file (`./drillbook settings`) and a unit test keeps them equal, so the
 * documentation cannot drift from the code.
 *
 * Messages are our own: the variable, the value written and what is allowed
 * (zod's wording never reaches the operator). Nothing here touches the file
 * system; values that depend on the host (the state dir's default, the
 * cookie secret kept in it) are resolved by the caller.
 */
import { z } from 'zod';
import { DEFAULT_CACHE_DIR } from './cache-dir.ts';

/** Which README table a setting is listed in. */
export type SettingGroup = 'site' | 'server' | 'sandbox';

interface SettingMeta {
  group: SettingGroup;
  /** The default as the README shows it (Markdown). */
  shown: string;
}

/** The README metadata of every setting, by variable name. */
export const settingMeta = z.registry<SettingMeta>();

/**
 * One setting: the environment's text (or `fallback` when unset or empty)
 * through `parse`, which returns the value or an Invalid saying what is
 * allowed. Without a fallback the setting may stay unset (undefined).
 */
function setting<T>(
  opts: { group: SettingGroup; fallback: string; shown?: string; description: string },
  parse: (text: string) => T | Invalid,
): z.ZodType<T, string | undefined>;
function setting<T>(
  opts: { group: SettingGroup; shown?: string; description: string },
  parse: (text: string) => T | Invalid,
): z.ZodType<T | undefined, string | undefined>;
function setting<T>(
  opts: { group: SettingGroup; fallback?: string; shown?: string; description: string },
  parse: (text: string) => T | Invalid,
): z.ZodType<T | undefined, string | undefined> {
  const s = z
    .string()
    .optional()
    .transform((raw, ctx): T | undefined => {
      const text = raw === undefined || raw.trim() === '' ? opts.fallback : raw;
      if (text === undefined) return undefined;
      const v = parse(text);
      if (v instanceof Invalid) {
        ctx.addIssue({ code: 'custom', message: `"${text}" ${v.error}` });
        return z.NEVER;
      }
      return v;
    })
    .describe(opts.description);
  settingMeta.add(s, { group: opts.group, shown: opts.shown ?? (opts.fallback !== undefined ? `\`${opts.fallback}\`` : 'none') });
  return s;
}

/** A value that cannot be read: the sentence after the quoted value says what is allowed. */
class Invalid {
  readonly error: string;
  constructor(error: string) {
    this.error = error;
  }
}
const fail = (error: string) => new Invalid(error);

const int = (min: number, max: number) => (t: string) => {
  const n = Number(t.trim());
  return /^\s*\d+\s*$/.test(t) && n >= min && n <= max ? n : fail(`is not allowed: write a whole number from ${min} to ${max}`);
};

const decimal = (min: number, max: number) => (t: string) => {
  const n = Number(t.trim());
  return /^\s*\d+(\.\d+)?\s*$/.test(t) && n >= min && n <= max ? n : fail(`is not allowed: write a number from ${min} to ${max}`);
};

/** "30m", "4h", "90s", "500ms" or a plain number of milliseconds. */
const duration = (t: string) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(t);
  if (!m) return fail('is not a duration: write e.g. 90s, 30m or 4h');
  return Math.round(Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 'ms') as 'ms' | 's' | 'm' | 'h']);
};

/** "512M", "1G", "1024" (MB when unitless): bytes. */
const size = (t: string) => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([MG])?B?\s*$/i.exec(t);
  if (!m) return fail('is not a size: write e.g. 512M or 1G');
  return Math.round(Number(m[1]) * (m[2]?.toUpperCase() === 'G' ? 2 ** 30 : 2 ** 20));
};

const oneOf =
  <const V extends string>(...values: V[]) =>
  (t: string) =>
    (values as string[]).includes(t.trim()) ? (t.trim() as V) : fail(`is not allowed: write ${values.join(' or ')}`);

const text = (t: string) => t.trim();

const list = (t: string) =>
  t
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** An http(s) origin, written with or without a trailing slash; no path. */
const origin = (t: string) => {
  try {
    const u = new URL(t.trim());
    if ((u.protocol === 'http:' || u.protocol === 'https:') && (u.pathname === '/' || u.pathname === '')) return u.origin;
  } catch {
    // Reported below.
  }
  return fail('is not an origin: write e.g. https://drillbook.example.edu (scheme, host and port only)');
};

const origins = (t: string) => {
  const out: string[] = [];
  for (const o of list(t)) {
    const v = origin(o);
    if (typeof v !== 'string') return fail(`holds "${o}", which is not an origin: write e.g. https://a.example, https://b.example`);
    out.push(v);
  }
  return out;
};

/** Fastify's trustProxy: off, on (any), a hop count, or addresses/CIDRs. */
const trustProxy = (t: string): boolean | number | string[] | Invalid => {
  const v = t.trim();
  if (v === 'off') return false;
  if (v === 'on') return true;
  if (/^\d+$/.test(v)) return Number(v);
  const items = list(v);
  return items.every((i) => /^[0-9a-f.:/]+$/i.test(i) || i === 'loopback')
    ? items
    : fail('is not allowed: write off, on, a number of proxies, or addresses such as loopback,10.0.0.0/8');
};

/**
 * The settings. Keys are the environment variables; the parsed value is what
 * the program uses. Groups: `site` is read by builds and checks, `server` and
 * `sandbox` by `./drillbook up` (and labs verify, benchmarks).
 */
export const Settings = z.object({
  // Site
  DRILLBOOK_CONTENT: setting({ group: 'site', fallback: './content', description: 'course folder to read' }, text),
  DRILLBOOK_BASE: setting({ group: 'site', fallback: '/', description: 'URL path the site is served under' }, text),
  DRILLBOOK_OUT: setting({ group: 'site', fallback: './dist', description: 'where the built site goes' }, text),
  DRILLBOOK_STRICT: setting(
    { group: 'site', shown: 'unset', description: '`1`: fail the build on any content error (`build --strict` sets it)' },
    (t) => t.trim() === '1',
  ),
  DRILLBOOK_CACHE_DIR: setting(
    {
      group: 'site',
      fallback: DEFAULT_CACHE_DIR,
      description:
        'what builds keep for the next build: pages read, highlighted code, rendered Markdown, checked diagrams, the search index, compressed copies, compiled modules (safe to delete)',
    },
    text,
  ),
  // Server
  PORT: setting({ group: 'server', fallback: '4321', description: 'where the server listens (port)' }, int(1, 65535)),
  HOST: setting({ group: 'server', fallback: '127.0.0.1', description: 'where the server listens (address)' }, text),
  DRILLBOOK_SITE_DIR: setting({ group: 'server', fallback: 'dist', description: 'the built site to serve' }, text),
  DRILLBOOK_SANDBOX: setting({ group: 'server', fallback: 'on', description: '`off` serves only the static site' }, oneOf('on', 'off')),
  DRILLBOOK_STATE_DIR: setting(
    {
      group: 'server',
      shown: '`/var/lib/drillbook` as root, else `.drillbook`',
      description:
        'sandbox files, data templates, lab results (`results.sqlite`) and the cookie key (`secret`); must be reachable by other users; one server per state dir',
    },
    text,
  ),
  DRILLBOOK_SECRET: setting(
    {
      group: 'server',
      shown: 'kept in the state dir',
      description:
        'key signing the learner cookie (at least 16 characters); unset: a random key made once and kept in `STATE_DIR/secret` (mode 0600), so learners survive a restart',
    },
    (t) => (t.trim().length >= 16 ? t.trim() : fail('is too short: the key needs at least 16 characters')),
  ),
  DRILLBOOK_PUBLIC_URL: setting(
    {
      group: 'server',
      description:
        'the address learners open when it is not `http://HOST:PORT` (e.g. behind a TLS proxy): its host is accepted in `Host` and its origin may use the API',
    },
    origin,
  ),
  DRILLBOOK_ALLOWED_HOSTS: setting(
    {
      group: 'server',
      description:
        'extra host names (comma-separated) accepted in the `Host` header; any other name is refused (DNS rebinding). `localhost`, `HOST` and IP addresses always are',
    },
    list,
  ),
  DRILLBOOK_ALLOWED_ORIGINS: setting(
    { group: 'server', description: 'extra origins (comma-separated) allowed to call the sandbox API' },
    origins,
  ),
  DRILLBOOK_TRUST_PROXY: setting(
    {
      group: 'server',
      fallback: 'off',
      description:
        'trust `X-Forwarded-*` from a proxy: `on`, a hop count, or addresses (`loopback,10.0.0.1`); then client addresses, `https` and `Secure` cookies come from it',
    },
    trustProxy,
  ),
  DRILLBOOK_START_RATE: setting(
    {
      group: 'server',
      fallback: '6',
      description: 'sandbox starts (open, reset, lab start or reset) one learner may ask for per minute',
    },
    int(1, 10_000),
  ),
  DRILLBOOK_START_RATE_PER_IP: setting(
    {
      group: 'server',
      fallback: '60',
      description: 'sandbox starts per minute from one client address (a class behind one NAT shares it)',
    },
    int(1, 100_000),
  ),
  DRILLBOOK_DATABASE_URL: setting(
    {
      group: 'server',
      shown: 'SQLite in the state dir',
      description:
        'where results are stored: unset, `STATE_DIR/results.sqlite` (mode 0600); `postgres://user:password@host:port/db` uses PostgreSQL (lab results of an existing `results.sqlite` are imported once)',
    },
    (t) =>
      /^postgres(ql)?:\/\/[^\s]+$/.test(t.trim())
        ? t.trim()
        : fail('is not a PostgreSQL URL: write e.g. postgres://drillbook:secret@127.0.0.1:5432/drillbook'),
  ),
  DRILLBOOK_INSTRUCTOR_PASSWORD: setting(
    {
      group: 'server',
      description:
        'instructor sign-in: one password (instructor "instructor"), or `name:password` entries separated by commas; kept only as scrypt hashes in `STATE_DIR/instructors.json` (0600), which later starts use when this is unset. Without any, instructors use one-time links (`./drillbook workshop link`)',
    },
    text,
  ),
  DRILLBOOK_LTI_PLATFORMS: setting(
    {
      group: 'server',
      shown: 'none (LTI off)',
      description:
        'LTI 1.3: a JSON file of the platforms (LMSs) Drillbook is registered in (issuer, client id, deployment ids, auth, token and JWKS URLs; see "Grading in an LMS"), read and checked at start; unset: no `/lti/` routes',
    },
    text,
  ),
  DRILLBOOK_LTI_SCORE: setting(
    {
      group: 'server',
      fallback: 'first',
      description:
        "which answer to each quiz question counts in the scores sent to an LMS: `first` (the learner's first try), `best` or `last`",
    },
    oneOf('first', 'best', 'last'),
  ),
  DRILLBOOK_SERVER_ID: setting(
    {
      group: 'server',
      shown: 'host name and `PORT`',
      description:
        "this server's name among several serving one course (same `DRILLBOOK_DATABASE_URL`, `DRILLBOOK_SECRET` and instructor passwords): sent in the `drillbook_server` cookie of a learner whose sandbox it holds, so the proxy keeps them here; letters, digits, `.`, `_`, `-` (see docs/deploy.md)",
    },
    (t) =>
      /^[A-Za-z0-9._-]{1,64}$/.test(t.trim()) ? t.trim() : fail('is not a server name: use 1 to 64 letters, digits, ".", "_" or "-"'),
  ),
  DRILLBOOK_PREWARM: setting(
    {
      group: 'server',
      fallback: '10m',
      description:
        'from this long before a scheduled workshop starts (until as long after), sandboxes are kept ready for its seats, within capacity',
    },
    duration,
  ),
  // Sandbox
  DRILLBOOK_DRIVER: setting(
    {
      group: 'sandbox',
      shown: '`bwrap` where it works, else `docker`',
      description:
        'how sandboxes are made: `bwrap` (a bubblewrap process tree each) or `docker` (a container each, through the Docker daemon on this machine: `DOCKER_HOST`, the default socket, or a private daemon Drillbook starts); the start-up log says which and why',
    },
    oneOf('bwrap', 'docker'),
  ),
  DRILLBOOK_MAX_SANDBOXES: setting(
    { group: 'sandbox', fallback: '40', description: 'most sandboxes at once (warm pool included); then "at capacity, retry in N s"' },
    int(1, 1000),
  ),
  DRILLBOOK_MAX_SANDBOXES_PER_IP: setting(
    {
      group: 'sandbox',
      fallback: '4',
      description: 'most sandboxes held at once by learners from one client address (workshop members count against their seats instead)',
    },
    int(1, 1000),
  ),
  DRILLBOOK_POOL_SIZE: setting({ group: 'sandbox', fallback: '2', description: 'ready sandboxes kept waiting' }, int(0, 100)),
  DRILLBOOK_IDLE_TIMEOUT: setting(
    { group: 'sandbox', fallback: '30m', description: 'a sandbox without keystrokes or API calls this long is removed' },
    duration,
  ),
  DRILLBOOK_UNUSED_GRACE: setting(
    {
      group: 'sandbox',
      fallback: '2m',
      description: 'a sandbox whose terminal was never opened (and no lab used it) this long after it was handed out is removed',
    },
    duration,
  ),
  DRILLBOOK_LIFETIME: setting({ group: 'sandbox', fallback: '4h', description: 'hard lifetime of a sandbox' }, duration),
  DRILLBOOK_MAX_VIEWERS: setting(
    { group: 'sandbox', fallback: '8', description: 'most terminal connections (tabs) attached to one sandbox at once' },
    int(1, 100),
  ),
  DRILLBOOK_SANDBOX_MEMORY: setting(
    {
      group: 'sandbox',
      fallback: '1G',
      description:
        "memory limit per sandbox (with cgroups its tmpfs data counts too; without, in rlimit mode, only each process's address space is capped)",
    },
    size,
  ),
  DRILLBOOK_SANDBOX_DISK: setting({ group: 'sandbox', fallback: '512M', description: "size of each sandbox's `/var`" }, size),
  DRILLBOOK_SANDBOX_PIDS: setting({ group: 'sandbox', fallback: '512', description: 'process limit per sandbox' }, int(64, 100_000)),
  DRILLBOOK_SANDBOX_CPUS: setting({ group: 'sandbox', fallback: '1', description: 'CPU cores per sandbox' }, decimal(0.1, 64)),
  DRILLBOOK_MEMORY_RESERVE: setting(
    {
      group: 'sandbox',
      fallback: '2G',
      description:
        'memory kept for the host: all sandboxes together are capped at RAM minus this, and the server refuses to start when that cannot hold one sandbox',
    },
    size,
  ),
  DRILLBOOK_SANDBOX_UID_BASE: setting(
    {
      group: 'sandbox',
      shown: 'derived from the state dir',
      description:
        'first host uid for sandboxes (root only); unset: a range of its own derived from the state dir, so two servers on one host never share uids',
    },
    int(100_000, 4_000_000_000),
  ),
  DRILLBOOK_SANDBOX_START_TIMEOUT: setting(
    { group: 'sandbox', fallback: '30s', description: "time allowed for a sandbox's servers to come up" },
    duration,
  ),
});

export type Settings = z.infer<typeof Settings>;
export type SettingName = keyof typeof Settings.shape;

export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/**
 * Reads every setting from `env`; throws SettingsError with one line per bad
 * variable (the value written and what is allowed).
 */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const picked: Record<string, string> = {};
  for (const k of Object.keys(Settings.shape)) {
    const v = env[k];
    if (v !== undefined) picked[k] = v;
  }
  const r = Settings.safeParse(picked);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`);
    throw new SettingsError(`invalid configuration:\n${lines.join('\n')}\nSee "Configuration" in README.md.`);
  }
  return r.data;
}

/** The README table of one group, generated from the schema. */
export function settingsTable(group: SettingGroup): string {
  const rows: [string, string, string][] = [];
  for (const [name, schema] of Object.entries(Settings.shape)) {
    const meta = settingMeta.get(schema);
    if (meta?.group !== group) continue;
    rows.push([`\`${name}\``, meta.shown, schema.description ?? '']);
  }
  const head: [string, string, string] = ['variable', 'default', 'meaning'];
  const widths = [0, 1, 2].map((i) => Math.max(head[i]!.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n');
}
