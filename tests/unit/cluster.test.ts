/**
 * Several servers on one store, at the seams (the fake sandbox driver, one
 * SQLite store shared by two WorkshopServices, an in-memory bus standing in
 * for LISTEN/NOTIFY, which store.test.ts tests on PostgreSQL). The real thing
 * (two server processes, nginx, PostgreSQL, a SIGKILL) is
 * tests/integration/multi-server.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nginxConfig } from '../../src/cli/nginx.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import type { ClientEvent } from '../../src/protocol/events.ts';
import type { ServerMessage } from '../../src/protocol/sandbox.ts';
import { SANDBOX_TEXTS } from '../../src/protocol/texts.ts';
import type { LearnerMessage, LiveMessage } from '../../src/protocol/workshops.ts';
import { SandboxManager, type TerminalClient } from '../../src/sandbox/manager.ts';
import { buildApp } from '../../src/server/app.ts';
import { Placement } from '../../src/server/placement.ts';
import type { Bus } from '../../src/store/cluster.ts';
import { SandboxHosts } from '../../src/store/cluster.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { courseOutline } from '../../src/workshops/outline.ts';
import { WorkshopService, type ClusterNote } from '../../src/workshops/service.ts';
import { FakeDriver } from './fake-driver.ts';

const outline = courseOutline(loadCourse('content'));
const QUIZ = 'foundations-logical-vs-physical-quiz-1';
const quiz = outline.blocks.get(QUIZ);
if (quiz?.type !== 'quiz') throw new Error(`${QUIZ} is not a quiz of the course`);
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});
const settle = async (ok: () => boolean | Promise<boolean>, ms = 3_000) => {
  const until = Date.now() + ms;
  while (!(await ok()) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
};

/** Buses of several servers in one process: what one publishes, the others get (when delivery is on). */
function buses(names: string[]) {
  const handlers = new Map<string, ((n: ClusterNote, from: string) => void)[]>();
  const held: (() => void)[] = [];
  let deliver = true;
  const bus = (me: string): Bus<ClusterNote> => ({
    publish(note) {
      for (const [name, fns] of handlers)
        if (name !== me)
          for (const fn of fns) {
            const send = () => fn(structuredClone(note), me);
            if (deliver) queueMicrotask(send);
            else held.push(send);
          }
    },
    onNote: (fn) => void handlers.get(me)!.push(fn),
    onResync: () => {},
    close: async () => {},
  });
  for (const n of names) handlers.set(n, []);
  return {
    of: bus,
    /** Notes wait (a slow connection) until release(). */
    hold: () => (deliver = false),
    release: () => {
      deliver = true;
      for (const f of held.splice(0)) f();
    },
  };
}

function manager() {
  const m = new SandboxManager(new FakeDriver(), { maxSandboxes: 4, poolSize: 0, idleTimeoutMs: 60_000, lifetimeMs: 3_600_000 });
  closers.push(() => m.shutdown());
  return m;
}

async function twoServers(tickMs = 5_000) {
  const store = await openStore({ sqlitePath: ':memory:' });
  closers.push(() => store.close());
  const net = buses(['a', 'b']);
  const make = async (id: string) => {
    const m = manager();
    const s = new WorkshopService({
      store,
      outline,
      manager: m,
      hostCapacity: 4,
      prewarmMs: 600_000,
      publicOrigin: 'http://127.0.0.1:8080',
      base: '/',
      bus: net.of(id),
      serverId: id,
      tickMs,
    });
    await s.start();
    closers.push(async () => s.stop());
    return { s, m };
  };
  return { store, net, a: await make('a'), b: await make('b') };
}

const answer = (id: string, question: number): ClientEvent => ({
  kind: 'quiz-answer',
  id,
  at: new Date().toISOString(),
  page: quiz.lesson,
  block: QUIZ,
  question,
  choice: quiz.questions[question]!.correct,
  correct: true,
});

async function workshopEvents(store: Store, id: string) {
  return store.results.workshopEvents(id);
}

describe('workshops across servers', () => {
  it("a learner's results reach the live view another server holds, and count for their workshop even before the join's note arrives", async () => {
    const { store, net, a, b } = await twoServers();
    const { workshop } = await a.s.create('ana', { title: 'Two', seats: 5, lessons: [quiz.lesson] });
    // The live view is open on a.
    const live: LiveMessage[] = [];
    await a.s.snapshot('ana', workshop.id);
    a.s.subscribeLive(workshop.id, (m) => live.push(m));

    // Joined on a; b has not heard yet when the first answer reaches it.
    net.hold();
    await a.s.join(workshop.code, 'l1', 'Maria');
    expect(await b.s.record('l1', [answer('e1', 0)])).toEqual({ acked: ['e1'], refused: [] });
    expect((await workshopEvents(store, workshop.id)).map((e) => e.clientId)).toEqual(['e1']);
    net.release();

    await settle(() => live.some((m) => m.type === 'row' && m.row.quizzes[QUIZ]?.['0']?.correct === true));
    expect(live.some((m) => m.type === 'row' && m.row.learner === 'l1' && m.row.quizzes[QUIZ]?.['0']?.correct === true)).toBe(true);
    // b's own live view (opened later) shows it too, from the store.
    expect((await b.s.snapshot('ana', workshop.id)).rows.map((r) => [r.learner, r.quizzes[QUIZ]?.['0']?.correct])).toEqual([['l1', true]]);
  });

  it('messages, locks and the end reach learners on the other server', async () => {
    const { a, b } = await twoServers();
    const { workshop } = await a.s.create('ana', { title: 'Two', seats: 5, lessons: [] });
    await b.s.join(workshop.code, 'l1', 'Maria');
    await b.m.claim('l1');
    b.s.sandboxChanged();
    // a's live view says where l1's sandbox is (its watch connection asks the proxy for that server).
    await a.s.snapshot('ana', workshop.id);
    await settle(async () => (await a.s.snapshot('ana', workshop.id)).rows[0]?.server === 'b');
    expect((await a.s.snapshot('ana', workshop.id)).rows.map((r) => r.server)).toEqual(['b']);
    const heard: LearnerMessage[] = [];
    b.s.subscribeLearner('l1', (m) => heard.push(m));
    await settle(() => a.s.workshopOf('l1') === workshop.id);
    expect(a.s.workshopOf('l1')).toBe(workshop.id);

    await a.s.message('ana', workshop.id, { kind: 'message', text: 'Look at step 3' });
    await settle(() => heard.some((m) => m.type === 'message'));
    expect(heard).toContainEqual(expect.objectContaining({ type: 'message', text: 'Look at step 3' }));

    await a.s.setLock('ana', workshop.id, { kind: 'lesson', target: quiz.lesson }, true);
    await settle(() => heard.some((m) => m.type === 'state' && m.state?.locks.length === 1));
    expect(await b.s.locked('l1', { kind: 'lesson', target: quiz.lesson })).toBe(true);

    await a.s.end('ana', workshop.id);
    await settle(() => b.m.info('l1') === undefined);
    expect(b.m.info('l1')).toBeUndefined();
    expect(b.s.workshopOf('l1')).toBeNull();
  });
});

describe('pre-warming across servers', () => {
  it('each server keeps its share of the seats ready, not the whole class', async () => {
    const { a, b } = await twoServers(30);
    const startsAt = new Date(Date.now() + 60_000).toISOString();
    await a.s.create('ana', { title: 'Soon', seats: 4, lessons: [], startsAt });
    // Both hear each other within a tick or two, then each keeps 2 ready (4 seats over 2 servers).
    await settle(() => a.m.stats.pooled + a.m.stats.starting === 2 && b.m.stats.pooled + b.m.stats.starting === 2);
    await new Promise((r) => setTimeout(r, 150));
    expect([a.m.stats.pooled, b.m.stats.pooled]).toEqual([2, 2]);
  });
});

describe('sandboxes across servers', () => {
  async function server(id: string, store: Store) {
    const placement = new Placement(new SandboxHosts(store.db, id));
    const m = new SandboxManager(new FakeDriver(), {
      maxSandboxes: 4,
      poolSize: 0,
      idleTimeoutMs: 60_000,
      lifetimeMs: 3_600_000,
      onHeld: (l, s) => placement.held(l, s),
      onReleased: (l, s) => placement.released(l, s),
    });
    const app = await buildApp({
      config: {
        siteDir: mkdtempSync(join(tmpdir(), 'drillbook-cluster-')),
        secret: 'unit-test-secret-0123456789abcdef',
        allowedOrigins: [],
      },
      manager: m,
      placement,
    });
    closers.push(
      () => placement.flush(),
      () => m.shutdown(),
      () => app.close(),
    );
    return { app, m, placement };
  }
  const cookies = (r: { headers: Record<string, unknown> }) =>
    ([] as string[]).concat((r.headers['set-cookie'] as string | string[] | undefined) ?? []).map((c) => c.split(';')[0]!);

  it('pins the learner with drillbook_server; a learner whose server died gets a fresh sandbox with the notice, once', async () => {
    const store = await openStore({ sqlitePath: ':memory:' });
    closers.push(() => store.close());
    const a = await server('a', store);
    const b = await server('b', store);

    const opened = await a.app.inject({ method: 'POST', url: '/api/sandbox' });
    expect(opened.statusCode).toBe(200);
    const learnerCookie = cookies(opened).find((c) => c.startsWith('drillbook_learner='));
    const pin = cookies(opened).find((c) => c.startsWith('drillbook_server='));
    expect(pin).toBe('drillbook_server=a');
    const cookie = `${learnerCookie}; ${pin}`;
    // Pinned already: no cookie again.
    expect(cookies(await a.app.inject({ method: 'GET', url: '/api/sandbox', headers: { cookie } }))).toEqual([]);
    await a.placement.flush();

    // a is gone (its row stays); the proxy sends the learner to b.
    const moved = await b.app.inject({ method: 'GET', url: '/api/sandbox', headers: { cookie } });
    expect(moved.statusCode).toBe(200);
    expect(moved.json()).toMatchObject({ notice: SANDBOX_TEXTS.serverLost });
    expect(cookies(moved)).toEqual(['drillbook_server=b']);
    const learner = decodeURIComponent(learnerCookie!.split('=')[1]!).replace(/\.[^.]*$/, '');
    const got: ServerMessage[] = [];
    const client: TerminalClient = { send: (m) => void (Buffer.isBuffer(m) ? 0 : got.push(m)), close: () => {} };
    await b.m.attach(learner, client);
    expect(got.filter((m) => m.type === 'notice')).toEqual([{ type: 'notice', level: 'warning', text: SANDBOX_TEXTS.serverLost }]);
    // Asked again: the same sandbox, no notice.
    await b.placement.flush();
    const again = await b.app.inject({ method: 'GET', url: '/api/sandbox', headers: { cookie: `${learnerCookie}; drillbook_server=b` } });
    expect(again.json()).not.toHaveProperty('notice');
    expect(again.json().id).toBe(moved.json().id);

    // A sandbox that ended normally (here, stopped by the learner) is not "lost": no notice on the next one.
    await b.app.inject({ method: 'DELETE', url: '/api/sandbox', headers: { cookie } });
    await b.placement.flush();
    const fresh = await b.app.inject({ method: 'GET', url: '/api/sandbox', headers: { cookie } });
    expect(fresh.statusCode).toBe(404);

    // A row older than the sandbox lifetime says nothing: a learner back the next day is not told.
    await new SandboxHosts(store.db, 'a').held(learner, 'sb-of-yesterday');
    const late = new Placement(new SandboxHosts(store.db, 'c'), () => {}, 60_000);
    expect(await late.lost(learner, manager())).toBe(true);
    await store.db
      .updateTable('sandbox_hosts')
      .set({ at: new Date(Date.now() - 120_000).toISOString() })
      .execute();
    expect(await late.lost(learner, manager())).toBe(false);
    await late.purgeExpired();
    expect(await new SandboxHosts(store.db, 'c').where(learner)).toBeUndefined();
  });
});

describe('drillbook nginx', () => {
  it('pins by the server cookie with the others as backups, spreads the rest by the learner cookie, and streams', () => {
    const text = nginxConfig({
      servers: [
        { id: 'a', address: '10.0.0.11:4321' },
        { id: 'b', address: '10.0.0.12:4321' },
      ],
      listen: '80',
    });
    expect(text).toContain('hash $cookie_drillbook_learner consistent;');
    expect(text).toMatch(
      /upstream drillbook_a \{\n {4}server 10\.0\.0\.11:4321 max_fails=1 fail_timeout=10s;\n {4}server 10\.0\.0\.12:4321 backup;/,
    );
    expect(text).toContain('"b" drillbook_b;');
    // A watch connection's ?drillbook_server= wins over the instructor's own cookie.
    expect(text).toContain(
      'map $arg_drillbook_server $drillbook_pin {\n    default $arg_drillbook_server;\n    "" $cookie_drillbook_server;\n}',
    );
    expect(text).toContain('proxy_buffering off;');
    expect(text).toContain('proxy_set_header Upgrade $http_upgrade;');
    expect(() => nginxConfig({ servers: [{ id: 'a b', address: 'x:1' }], listen: '80' })).toThrow('server id "a b"');
    expect(() => nginxConfig({ servers: [{ id: 'a', address: 'x' }], listen: '80' })).toThrow('is not host:port');
  });
});
