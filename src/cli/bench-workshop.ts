/**
 * `drillbook bench workshop [--learners N] [--engine sqlite|postgres] [--seconds S] [--lab-learners K]`:
 * one workshop under load, with a crash in the middle.
 *
 * Starts a real server (sandbox mode, this state dir's templates) as a
 * child process, signs in an instructor and creates a workshop, then runs
 * the class from a separate process (bench-workshop-client.ts): N learners
 * (default 60) joining and sending quiz answers, lessons opened and
 * exercise marks over HTTP; K of them (default 10) starting a lab in a real
 * sandbox, typing in its terminal over the WebSocket and checking it; an
 * instructor's live view open. At 40 % of the run the server is killed with
 * SIGKILL and started again. At the end the server is stopped and the store
 * is read directly: every event the server acknowledged must be there.
 *
 * --engine postgres uses DRILLBOOK_DATABASE_URL, or starts a throwaway
 * PostgreSQL 15 cluster (pg-cluster.ts) when it is unset.
 *
 * Prints one JSON line: learners, events (generated), acked, lost
 * (acknowledged but missing from the store), ack_ms and live_lag_ms
 * (p50/p95, nearest rank, stats.ts), engine; and the run's facts (lab
 * starts and checks, retries, kill and restart times).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

function startServer(port: number, env: Record<string, string>): Server {
  const child = start([process.execPath, resolve('src/cli/main.ts'), 'serve', '--port', String(port)], env);
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
      },
      strict: true,
    }).values;
  } catch (e) {
    log(
      `${(e as Error).message}. usage: drillbook bench workshop [--learners N] [--engine sqlite|postgres] [--seconds S] [--lab-learners K]`,
    );
    return 2;
  }
  const learners = Number(v.learners);
  const seconds = Number(v.seconds);
  const labLearners = Math.min(learners, Number(v['lab-learners']));
  if (!(learners >= 1 && seconds >= 20 && labLearners >= 0) || !['sqlite', 'postgres'].includes(v.engine)) {
    log('--learners ≥ 1, --seconds ≥ 20, --lab-learners ≥ 0, --engine sqlite or postgres');
    return 2;
  }
  const engine = v.engine as 'sqlite' | 'postgres';
  if (!existsSync('dist/index.html')) {
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
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    DRILLBOOK_SANDBOX: 'on',
    DRILLBOOK_INSTRUCTOR_PASSWORD: PASSWORD,
    DRILLBOOK_POOL_SIZE: '2',
    ...(databaseUrl ? { DRILLBOOK_DATABASE_URL: databaseUrl } : {}),
  };
  if (engine === 'sqlite') delete env['DRILLBOOK_DATABASE_URL'];
  let server = startServer(port, env);
  try {
    log(`server up in ${((await waitUp(url, server)) / 1000).toFixed(1)} s (state dir ${config.stateDir}, ${engine})`);
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
    server = startServer(port, env);
    const restartMs = await waitUp(url, server);
    log(`server back after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);

    const r = await client;
    if (r.code !== 0) throw new Error(`the learners' process failed (${r.code}): ${r.stderr.slice(-2000)}`);
    const c = JSON.parse(r.stdout.trim().split('\n').pop()!) as {
      generated: number;
      acked: number;
      retries: number;
      ackMs: number[];
      lagMs: number[];
      labStarts: number;
      labChecks: number;
      labErrors: number;
      labProblems: string[];
    };
    if (c.labProblems.length > 0) log(`lab problems seen: ${c.labProblems.join(' | ')}`);
    server.child.kill('SIGTERM');
    await stopped(server);

    // Read the store directly: every acknowledged event must be there.
    const ackedIds = JSON.parse(readFileSync(plan.ackedFile, 'utf8')) as { learner: string; clientId: string }[];
    const store = await openStore({ stateDir: config.stateDir, databaseUrl: engine === 'postgres' ? databaseUrl : undefined });
    const stored = await store.results.storedIds(ackedIds);
    await store.close();
    const lost = ackedIds.filter((a) => !stored.has(`${a.learner}\u0000${a.clientId}`)).length;
    process.stdout.write(
      `${JSON.stringify({
        learners,
        events: c.generated,
        acked: new Set(ackedIds.map((a) => `${a.learner}\u0000${a.clientId}`)).size,
        lost,
        ack_ms: summary(c.ackMs),
        live_lag_ms: summary(c.lagMs),
        engine,
        live_lag_samples: c.lagMs.length,
        retries: c.retries,
        lab_learners: labLearners,
        lab_starts: c.labStarts,
        lab_checks: c.labChecks,
        lab_errors: c.labErrors,
        restart_s: Math.round(restartMs / 100) / 10,
        seconds,
      })}\n`,
    );
    return lost === 0 ? 0 : 1;
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await stopped(server);
    }
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
