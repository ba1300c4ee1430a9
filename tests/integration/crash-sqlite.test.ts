/**
 * kill -9 of the default server (one process, SQLite in its state dir) while
 * learners' events flow, then a restart on the same state dir (issue 12,
 * "Bad input and faults"): every event the server acknowledged is in the
 * store; the learners are still members of the running workshop (their
 * cookies, their names, their later events recorded with the workshop); the
 * live class view is rebuilt from the store with their answers; the
 * instructor's session (kept in the store) is still valid. Sandbox mode is
 * off: sandboxes are not what is tested here (multi-server.test.ts kills a
 * server with sandboxes, on PostgreSQL).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCourse } from '../../src/course/load-course.ts';
import type { LiveSnapshot } from '../../src/protocol/workshops.ts';
import { start } from '../../src/sandbox/spawn.ts';
import { openStore } from '../../src/store/index.ts';
import { freePort } from '../../src/store/pg-cluster.ts';
import { courseOutline } from '../../src/workshops/outline.ts';

const PASSWORD = 'crash-test-password';
const outline = courseOutline(loadCourse('content'));
const quiz = [...outline.blocks.values()].find((c) => c.type === 'quiz')!;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

const state = mkdtempSync(join(tmpdir(), 'drillbook-crash-'));
/** A one-page site: the server needs something to serve, and dist/ may not be built yet (answers are judged from content/). */
const site = mkdtempSync(join(tmpdir(), 'drillbook-crash-site-'));
writeFileSync(join(site, 'index.html'), '<!doctype html><title>crash</title>');
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await new Promise((ok) => child!.once('exit', ok));
  }
  rmSync(state, { recursive: true, force: true });
  rmSync(site, { recursive: true, force: true });
});

describe('kill -9 of a single SQLite server while events flow', () => {
  it('loses nothing acknowledged; learners are still members; the live view is rebuilt; the instructor stays signed in', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      DRILLBOOK_STATE_DIR: state,
      DRILLBOOK_SANDBOX: 'off',
      DRILLBOOK_INSTRUCTOR_PASSWORD: PASSWORD,
    };
    delete env['DRILLBOOK_DATABASE_URL'];
    let log = '';
    const up = async () => {
      child = start([process.execPath, resolve('src/cli/main.ts'), 'serve', '--dir', site, '--port', String(port)], env);
      child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
      child.stdout?.on('data', (d: Buffer) => (log += d.toString()));
      for (let i = 0; i < 300; i++) {
        if (child.exitCode !== null) throw new Error(`the server exited: ${log.slice(-2000)}`);
        if ((await fetch(`${url}/api/health`).catch(() => undefined))?.ok) return;
        await sleep(100);
      }
      throw new Error(`the server did not come up: ${log.slice(-2000)}`);
    };
    await up();
    expect(log).toContain('results store: sqlite');

    const json = { origin: url, 'content-type': 'application/json' };
    const login = await fetch(`${url}/api/instructor/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const instructor = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const created = await fetch(`${url}/api/workshops`, {
      method: 'POST',
      headers: { ...json, cookie: instructor },
      body: JSON.stringify({ title: 'Crash class', seats: 5, lessons: [quiz.lesson] }),
    });
    const { workshop } = (await created.json()) as { workshop: { id: string; code: string } };
    const learners: { name: string; cookie: string; acked: string[] }[] = [];
    for (const name of ['Ada', 'Bo', 'Cy']) {
      const r = await fetch(`${url}/api/join`, { method: 'POST', headers: json, body: JSON.stringify({ code: workshop.code, name }) });
      expect(r.status).toBe(200);
      learners.push({ name, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, acked: [] });
    }

    // Each learner sends events one after another, as fast as they are acknowledged, retrying on failure.
    let seq = 0;
    let flowing = true;
    let failures = 0;
    const flow = learners.map(async (l, i) => {
      while (flowing) {
        const id = `crash-${i}-${(seq++).toString().padStart(6, '0')}`;
        const event =
          seq % 2 === 0
            ? {
                kind: 'quiz-answer',
                id,
                at: new Date().toISOString(),
                page: quiz.lesson,
                block: quiz.id,
                question: 0,
                choice: [i % 2],
                correct: false,
              }
            : { kind: 'page-view', id, at: new Date().toISOString(), page: quiz.lesson };
        for (;;) {
          const r = await fetch(`${url}/api/events`, {
            method: 'POST',
            headers: { ...json, cookie: l.cookie },
            body: JSON.stringify({ events: [event] }),
          }).catch(() => undefined);
          if (r?.status === 200 && ((await r.json()) as { acked: string[] }).acked.includes(id)) {
            l.acked.push(id);
            break;
          }
          failures++;
          await sleep(100);
        }
      }
    });
    await sleep(1_500);
    const beforeKill = learners.reduce((n, l) => n + l.acked.length, 0);
    expect(beforeKill).toBeGreaterThan(10);
    child!.kill('SIGKILL');
    await new Promise((ok) => child!.once('exit', ok));
    await sleep(500);
    await up();
    // Events flow again after the restart, from the same cookies.
    const afterRestart = learners.map((l) => l.acked.length);
    await sleep(1_500);
    flowing = false;
    await Promise.all(flow);
    expect(failures).toBeGreaterThan(0);
    learners.forEach((l, i) => expect(l.acked.length).toBeGreaterThan(afterRestart[i]!));

    // Still members: the same names in the running workshop.
    for (const l of learners) {
      const me = (await (await fetch(`${url}/api/me`, { headers: { cookie: l.cookie } })).json()) as {
        workshop: { id: string; name: string; state: string } | null;
      };
      expect(me.workshop).toMatchObject({ id: workshop.id, name: l.name, state: 'running' });
    }
    // The instructor's session survived (kept in the store); the live view is rebuilt with every learner's answer.
    const live = await fetch(`${url}/api/workshops/${workshop.id}/live`, { headers: { cookie: instructor } });
    expect(live.status).toBe(200);
    const snap = (await live.json()) as LiveSnapshot;
    expect(snap.rows.map((r) => r.name).sort()).toEqual(['Ada', 'Bo', 'Cy']);
    for (const r of snap.rows)
      expect(r.quizzes[quiz.id]?.['0']).toMatchObject({ choice: [learners.findIndex((l) => l.name === r.name) % 2] });

    child!.kill('SIGTERM');
    await new Promise((ok) => child!.once('exit', ok));
    // Every acknowledged event is in the store, once, and all were recorded with the workshop.
    const store = await openStore({ stateDir: state });
    try {
      const events = await store.results.workshopEvents(workshop.id);
      const ids = new Set(events.map((e) => e.clientId));
      const acked = learners.flatMap((l) => l.acked);
      expect(acked.filter((id) => !ids.has(id))).toEqual([]);
      expect(ids.size).toBe(events.length);
    } finally {
      await store.close();
    }
  });
});
