/**
 * `drillbook bench workshop [--learners N] [--engine sqlite|postgres] [--seconds S] [--lab-learners K] [--site DIR]`:
 * one workshop under load, with a crash in the middle.
 *
 * Starts a real server as a child process on a temporary state dir of its
 * own (its own SQLite store, templates and cookie key, removed at the end;
 * sandbox uids 2,000 above the configured ones), so the operator's store and
 * a server running on the real state dir are never touched; sandbox mode
 * is on unless --lab-learners is 0. It signs in an instructor and creates a workshop, then runs
 * the class from a separate process (bench-workshop-client.ts): N learners
 * (default 60) joining and sending quiz answers, lessons opened and
 * exercise marks over HTTP, each keeping its learner stream (api/me/stream)
 * open as a page does; K of them (default 10) starting a lab in a real
 * sandbox, typing in its terminal over the WebSocket and checking it; an
 * instructor's live view open. At 40 % of the run the server is killed with
 * SIGKILL and started again. At the end the server is stopped and the store
 * is read directly: every event the server acknowledged must be there, and
 * every lab check result of a check run it answered (per learner, by check
 * and status: a run committed but not answered when the server was killed
 * can only add to the store).
 *
 * --engine postgres uses DRILLBOOK_DATABASE_URL, or starts a throwaway
 * PostgreSQL 15 cluster (pg-cluster.ts) when it is unset.
 *
 * Prints one JSON line: learners, events (page events generated, plus one
 * per check result of every check run asked for), acked, lost (acknowledged
 * but missing from the store, lab check results included), ack_ms,
 * ack_with_retries_ms (from the first send, across the outage) and
 * live_lag_ms (p50/p95, nearest rank, stats.ts), engine; and the run's facts
 * (lab starts and checks, learner streams, retries, kill and restart times).
 * Exit 1 when anything acknowledged is lost, an event was refused, or the
 * live view measured nothing (no lag sample: its figures would be empty).
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { contentDir } from '../course/config.ts';
import { loadCourse } from '../course/load-course.ts';
import { loadServerConfig } from '../server/config.ts';
import { run, start } from '../sandbox/spawn.ts';
import { openStore } from '../store/index.ts';
import { freePort, startPgCluster, type PgCluster } from '../store/pg-cluster.ts';
import { courseOutline } from '../workshops/outline.ts';
import { summary } from './stats.ts';

const PASSWORD = 'bench-instructor-password';
const LAB = 'mysqldump-full-restore';
const log = (line: string) => process.stderr.write(`bench workshop: ${line}\n`);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

interface Server {
  child: ChildProcess;
  tail: string[];
}

function startServer(port: number, site: string, env: Record<string, string>): Server {
  const child = start([process.execPath, resolve('src/cli/main.ts'), 'serve', '--dir', site, '--port', String(port)], env);
  const tail: string[] = [];
  const keep = (d: Buffer) => {
    for (const line of d.toString('utf8').split('\n')) if (line.trim()) tail.push(line);
    tail.splice(0, Math.max(0, tail.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, tail };
}

async function waitUp(url: string, s: Server, ms = 240_000): Promise<number> {
  const t0 = performance.now();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (s.child.exitCode !== null) throw new Error(`the server exited (${s.child.exitCode}):\n${s.tail.join('\n')}`);
    const r = await fetch(`${url}/api/health`).catch(() => undefined);
    if (r?.ok) return performance.now() - t0;
    await sleep(200);
  }
  throw new Error(`the server did not answer in ${ms / 1000} s:\n${s.tail.join('\n')}`);
}

function stopped(s: Server): Promise<void> {
  return new Promise((ok) => (s.child.exitCode !== null || s.child.signalCode !== null ? ok() : s.child.once('exit', () => ok())));
}

/** What makes a run fail (exit 1), each said in a line; none: the run measured what it claims. */
export function verdict(r: { lost: number; lagSamples: number; refused: number }): string[] {
  const out: string[] = [];
  if (r.lost > 0) out.push(`${r.lost} acknowledged results are missing from the store`);
  if (r.refused > 0) out.push(`the server refused ${r.refused} of the bench's events`);
  if (r.lagSamples === 0)
    out.push('the live view measured nothing: no row message named an acknowledged event (live_lag_ms has no sample)');
  return out;
}

export async function runBenchWorkshop(args: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args,
      options: {
        learners: { type: 'string', default: '60' },
        engine: { type: 'string', default: 'sqlite' },
        seconds: { type: 'string', default: '75' },
        'lab-learners': { type: 'string', default: '10' },
        site: { type: 'string', default: 'dist' },
      },
      strict: true,
    }).values;
  } catch (e) {
    log(
      `${(e as Error).message}. usage: drillbook bench workshop [--learners N] [--engine sqlite|postgres] [--seconds S] [--lab-learners K] [--site DIR]`,
    );
    return 2;
  }
  const learners = Number(v.learners);
  const seconds = Number(v.seconds);
  const labLearners = Math.min(learners, Number(v['lab-learners']));
  if (!(learners >= 1 && seconds >= 10 && labLearners >= 0) || !['sqlite', 'postgres'].includes(v.engine)) {
    log('--learners ≥ 1, --seconds ≥ 10, --lab-learners ≥ 0, --engine sqlite or postgres');
    return 2;
  }
  const engine = v.engine as 'sqlite' | 'postgres';
  // The built site the server serves (the learners' requests are API calls; pages only need to exist).
  const site = resolve(v.site);
  if (!existsSync(join(site, 'index.html'))) {
    if (v.site !== 'dist') {
      log(`no built site in ${site} (no index.html)`);
      return 2;
    }
    log('building the site first (dist/)');
    const b = await run([process.execPath, resolve('src/cli/main.ts'), 'build', '--quiet'], { timeoutMs: 600_000 });
    if (b.code !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  const config = loadServerConfig();
  let cluster: PgCluster | undefined;
  let databaseUrl: string | undefined;
  if (engine === 'postgres') {
    databaseUrl = process.env['DRILLBOOK_DATABASE_URL'];
    if (!databaseUrl) {
      cluster = await startPgCluster();
      databaseUrl = cluster.url;
      log(`throwaway PostgreSQL 15 at ${databaseUrl}`);
    }
  }
  const work = mkdtempSync(join(tmpdir(), 'drillbook-bench-ws-'));
  // The server's own state dir: never the operator's (their store, their running server's lock).
  const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-bench-ws-state-'));
  chmodSync(stateDir, 0o711);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DRILLBOOK_STATE_DIR: stateDir,
    // Uids apart from a server running on the configured state dir (it uses at most 1,001 from its base).
    DRILLBOOK_SANDBOX_UID_BASE: String(config.uidBase + 2_000),
    DRILLBOOK_SANDBOX: labLearners > 0 ? 'on' : 'off',
    DRILLBOOK_INSTRUCTOR_PASSWORD: PASSWORD,
    DRILLBOOK_POOL_SIZE: '2',
    ...(databaseUrl ? { DRILLBOOK_DATABASE_URL: databaseUrl } : {}),
  };
  if (engine === 'sqlite') delete env['DRILLBOOK_DATABASE_URL'];
  let server = startServer(port, site, env);
  try {
    log(`server up in ${((await waitUp(url, server)) / 1000).toFixed(1)} s (temporary state dir ${stateDir}, ${engine})`);
    const login = await fetch(`${url}/api/instructor/login`, {
      method: 'POST',
      headers: { origin: url, 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    if (!login.ok) throw new Error(`instructor login: ${login.status} ${await login.text()}`);
    const instructorCookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const outline = courseOutline(loadCourse(contentDir()));
    const quizzes = [...outline.blocks.values()].flatMap((c) =>
      c.type === 'quiz' ? [{ block: c.id, page: c.lesson, options: c.questions.map((q) => q.options.length) }] : [],
    );
    const lessons = [...new Set([...quizzes.map((q) => q.page), outline.labLesson.get(LAB)!])];
    const created = await fetch(`${url}/api/workshops`, {
      method: 'POST',
      headers: { cookie: instructorCookie, origin: url, 'content-type': 'application/json' },
      body: JSON.stringify({ title: `bench ${new Date().toISOString()}`, seats: learners, lessons }),
    });
    if (!created.ok) throw new Error(`create workshop: ${created.status} ${await created.text()}`);
    const { workshop } = (await created.json()) as { workshop: { id: string; code: string } };
    const exercises = outline.lessons.flatMap((l) =>
      [...outline.exercises].filter((x) => x.startsWith(l.route.replaceAll('/', '-'))).map((block) => ({ block, page: l.route })),
    );
    const plan = {
      url,
      code: workshop.code,
      workshop: workshop.id,
      instructorCookie,
      learners,
      labLearners,
      lab: LAB,
      seconds,
      quizzes,
      exercises,
      pages: lessons,
      labCheckIds: (() => {
        const col = outline.blocks.get(LAB);
        return col?.type === 'lab' ? col.checks.map((k) => k.id) : [];
      })(),
      ackedFile: join(work, 'acked.json'),
    };
    writeFileSync(join(work, 'plan.json'), JSON.stringify(plan));
    const client = run([process.execPath, resolve('src/cli/bench-workshop-client.ts'), join(work, 'plan.json')], {
      timeoutMs: (seconds + 300) * 1000,
    });

    // The crash: SIGKILL at 40 % of the run, then a restart on the same state dir and store.
    await sleep(seconds * 400);
    const killedAt = Date.now();
    server.child.kill('SIGKILL');
    await stopped(server);
    log('server killed (SIGKILL); starting it again');
    server = startServer(port, site, env);
    const restartMs = await waitUp(url, server);
    log(`server back after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);

    const r = await client;
    if (r.code !== 0) throw new Error(`the learners' process failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const c = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      generated: number;
      labResultsRequested: number;
      acked: number;
      refusedEvents: number;
      retries: number;
      ackMs: number[];
      ackWithRetriesMs: number[];
      lagMs: number[];
      labStarts: number;
      labChecks: number;
      labErrors: number;
      labProblems: string[];
      streamsMax: number;
      streamMessages: number;
      streamReconnects: number;
    };
    if (c.labProblems.length > 0) log(`lab problems seen: ${c.labProblems.join(' | ')}`);
    server.child.kill('SIGTERM');
    await stopped(server);

    // Read the store directly: every acknowledged event must be there, and every lab check result
    // of an answered check run (counted per learner, check and status).
    const answered = JSON.parse(readFileSync(plan.ackedFile, 'utf8')) as {
      events: { learner: string; clientId: string }[];
      labChecks: { learner: string; results: string[] }[];
    };
    const ackedIds = answered.events;
    const store = await openStore({ stateDir, databaseUrl: engine === 'postgres' ? databaseUrl : undefined });
    const stored = await store.results.storedIds(ackedIds);
    const attempts = (await store.results.workshopAttempts(workshop.id)).filter((a) => a.lab === LAB);
    await store.close();
    const lostEvents = ackedIds.filter((a) => !stored.has(`${a.learner}\u0000${a.clientId}`)).length;
    const count = (rows: { learner: string; results: string[] }[]) => {
      const m = new Map<string, number>();
      for (const r of rows) for (const k of r.results) m.set(`${r.learner} ${k}`, (m.get(`${r.learner} ${k}`) ?? 0) + 1);
      return m;
    };
    const inStore = count(attempts.map((a) => ({ learner: a.learner, results: a.checks.map((k) => `${k.checkId}:${k.status}`) })));
    let lostChecks = 0;
    for (const [k, n] of count(answered.labChecks)) lostChecks += Math.max(0, n - (inStore.get(k) ?? 0));
    const ackedChecks = answered.labChecks.reduce((n, r) => n + r.results.length, 0);
    const lost = lostEvents + lostChecks;
    process.stdout.write(
      `${JSON.stringify({
        learners,
        events: c.generated + c.labResultsRequested,
        acked: new Set(ackedIds.map((a) => `${a.learner}\u0000${a.clientId}`)).size + ackedChecks,
        lost,
        ack_ms: summary(c.ackMs),
        live_lag_ms: summary(c.lagMs),
        engine,
        ack_with_retries_ms: summary(c.ackWithRetriesMs),
        live_lag_samples: c.lagMs.length,
        page_events: { generated: c.generated, acked: ackedIds.length, lost: lostEvents, refused: c.refusedEvents },
        lab_check_results: { requested: c.labResultsRequested, acked: ackedChecks, lost: lostChecks },
        learner_streams: { most_open: c.streamsMax, messages: c.streamMessages, reconnects: c.streamReconnects },
        retries: c.retries,
        lab_learners: labLearners,
        lab_starts: c.labStarts,
        lab_checks: c.labChecks,
        lab_errors: c.labErrors,
        restart_s: Math.round(restartMs / 100) / 10,
        seconds,
      })}\n`,
    );
    const problems = verdict({ lost, lagSamples: c.lagMs.length, refused: c.refusedEvents });
    for (const p of problems) log(p);
    return problems.length === 0 ? 0 : 1;
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await stopped(server);
    }
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
    // As root the sandbox driver mounts a tmpfs at <state dir>/view (kept across restarts): unmount it first.
    const view = join(stateDir, 'view');
    if (existsSync(view) && process.getuid?.() === 0) {
      const u = await run(['umount', view], { timeoutMs: 30_000 });
      if (u.code !== 0) log(`cannot unmount ${view}: ${u.stderr.trim()}`);
    }
    try {
      rmSync(stateDir, { recursive: true, force: true });
    } catch (e) {
      log(`the temporary state dir ${stateDir} is left behind: ${(e as Error).message}`);
    }
  }
}
