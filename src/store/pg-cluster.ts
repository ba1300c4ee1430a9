/**
 * A throwaway PostgreSQL 15 cluster (Debian's initdb and pg_ctl) in a temp
 * dir on a free loopback port, with trust authentication for one user: for
 * the store tests and `bench workshop --engine postgres` when no
 * DRILLBOOK_DATABASE_URL is given. PostgreSQL refuses to run as root, so as
 * root it runs as `nobody`. Processes are started through spawn.ts.
 */
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../sandbox/spawn.ts';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PgCluster {
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-pg-'));
  const root = process.getuid?.() === 0;
  if (root) chownSync(dir, 65534, 65534);
  const as = (argv: string[]) => (root ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv] : argv);
  const data = join(dir, 'data');
  const env = { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' };
  const init = await run(as([join(PG_BIN, 'initdb'), '-D', data, '-U', 'drillbook', '--auth=trust', '-E', 'UTF8', '--no-sync']), {
    env,
    timeoutMs: 60_000,
  });
  if (init.code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed (is postgresql-15 installed?): ${init.stderr.trim() || init.stdout.trim()}`);
  }
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c shared_buffers=32MB -c max_connections=40`;
  const started = await run(as([join(PG_BIN, 'pg_ctl'), '-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '60', 'start']), {
    env,
    timeoutMs: 90_000,
  });
  if (started.code !== 0) {
    let log = '';
    try {
      log = readFileSync(join(dir, 'log'), 'utf8');
    } catch {
      // No log written.
    }
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`pg_ctl start failed: ${started.stderr.trim()} ${log.trim()}`);
  }
  return {
    url: `postgres://drillbook@127.0.0.1:${port}/postgres`,
    dir,
    async stop() {
      await run(as([join(PG_BIN, 'pg_ctl'), '-D', data, '-m', 'fast', '-w', 'stop']), { env, timeoutMs: 60_000 });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh empty database on a cluster (tests: each suite its own). */
export async function createDatabase(url: string, name: string): Promise<string> {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}"`);
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
