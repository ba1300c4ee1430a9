/**
 * Several servers behind one address (issue 15, part 3): two Drillbook
 * servers (separate processes, state dirs, ports and uid ranges) on one
 * throwaway PostgreSQL (DRILLBOOK_TEST_DATABASE_URL from scripts/test-all.sh,
 * else one of our own), Debian's nginx in front with the configuration
 * `drillbook nginx` prints, everything on loopback. A small workshop runs
 * through nginx: the instructor creates it, learners join, answer a quiz,
 * start a lab and type in their sandboxes. Then one server is killed with
 * SIGKILL, and:
 * - every event a server acknowledged is in the store;
 * - the class view (through nginx) still lists every learner with their results;
 * - the killed server's learners get a fresh sandbox on the other one with the
 *   catalogued notice, and the others keep theirs (what they typed is there).
 * Before the kill, each server's own live view shows the results committed on
 * the other (the LISTEN/NOTIFY notes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { nginxConfig } from '../../src/cli/nginx.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import { contentDir } from '../../src/course/config.ts';
import type { ClientEvent } from '../../src/protocol/events.ts';
import type { SandboxInfo } from '../../src/protocol/sandbox.ts';
import { SANDBOX_TEXTS } from '../../src/protocol/texts.ts';
import type { LiveMessage, LiveRow, LiveSnapshot } from '../../src/protocol/workshops.ts';
import { openStore } from '../../src/store/index.ts';
import { createDatabase, startPgCluster, type PgCluster } from '../../src/store/pg-cluster.ts';
import { courseOutline } from '../../src/workshops/outline.ts';
import { skipReason, STATE_DIR, stripAnsi, Terminal, TEST_PORT_BASE, TEST_UID_BASE } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping the two-server test: ${reason}`);

const PASSWORD = 'two-servers-instructor';
const SECRET = 'two-servers-cookie-key-0123456789';
const LAB = 'mysqldump-full-restore';
const PORTS = { a: TEST_PORT_BASE + 10, b: TEST_PORT_BASE + 11, nginx: TEST_PORT_BASE + 12 };
const PUBLIC = `http://127.0.0.1:${PORTS.nginx}`;
const NGINX = '/usr/sbin/nginx';
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Proc {
  child: ChildProcess;
  log: string;
}

function track(child: ChildProcess): Proc {
  const p: Proc = { child, log: '' };
  const keep = (b: Buffer) => {
    p.log = (p.log + b.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return p;
}

const gone = (p: Proc) => p.child.exitCode !== null || p.child.signalCode !== null;
const exited = (p: Proc) => new Promise<void>((ok) => (gone(p) ? ok() : p.child.once('exit', () => ok())));

/** A browser: its cookies (learner, server pin, instructor), talking to one base URL. */
class Browser {
  jar = new Map<string, string>();
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  get cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async call<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { origin: this.base };
    if (this.jar.size) headers['cookie'] = this.cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${this.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    for (const c of r.headers.getSetCookie()) {
      const kv = c.split(';')[0]!;
      this.jar.set(kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1));
    }
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : null) as T };
  }

  async ok<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    const r = await this.call<T>(method, path, body);
    if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** The learner id behind the signed cookie. */
  get learner(): string {
    return decodeURIComponent(this.jar.get('drillbook_learner') ?? '').replace(/\.[^.]*$/, '');
  }

  /** Which server the proxy sends this browser to (the pin its sandbox's server set). */
  get pinned(): string | undefined {
    return this.jar.get('drillbook_server');
  }

  async terminal(): Promise<Terminal> {
    const t = new Terminal(`${this.base.replace('http', 'ws')}/api/sandbox/terminal?cols=160&rows=40`, this.cookie, this.base);
    await t.ready;
    return t;
  }
}

/** An instructor's live view (server-sent events), kept open and collected. */
class LiveView {
  messages: LiveMessage[] = [];
  private abort = new AbortController();
  constructor(base: string, id: string, cookie: string) {
    void fetch(`${base}/api/workshops/${id}/stream`, { headers: { cookie }, signal: this.abort.signal })
      .then(async (r) => {
        const reader = r.body!.getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          buf += Buffer.from(value).toString('utf8');
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const frame = buf.slice(0, i);
            buf = buf.slice(i + 2);
            for (const line of frame.split('\n'))
              if (line.startsWith('data: ')) this.messages.push(JSON.parse(line.slice(6)) as LiveMessage);
          }
        }
      })
      .catch(() => {});
  }

  /** The latest row of a learner, from the snapshot or later row messages. */
  row(learner: string): LiveRow | undefined {
    let out: LiveRow | undefined;
    for (const m of this.messages) {
      if (m.type === 'snapshot') out = m.snapshot.rows.find((r) => r.learner === learner) ?? out;
      else if (m.type === 'row' && m.row.learner === learner) out = m.row;
    }
    return out;
  }

  close(): void {
    this.abort.abort();
  }
}

describe.skipIf(reason)('two servers behind nginx on one PostgreSQL', () => {
  let cluster: PgCluster | undefined;
  let databaseUrl = '';
  const servers: Partial<Record<'a' | 'b', Proc>> = {};
  let nginx: Proc | undefined;
  const work = mkdtempSync(join(tmpdir(), 'drillbook-two-servers-'));

  function startServer(id: 'a' | 'b'): Promise<Proc> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DRILLBOOK_SERVER_ID: id,
      DRILLBOOK_STATE_DIR: id === 'a' ? STATE_DIR : `${STATE_DIR}-b`,
      DRILLBOOK_SANDBOX_UID_BASE: String(TEST_UID_BASE + (id === 'a' ? 202_000 : 204_000)),
      DRILLBOOK_DATABASE_URL: databaseUrl,
      DRILLBOOK_SECRET: SECRET,
      DRILLBOOK_INSTRUCTOR_PASSWORD: PASSWORD,
      DRILLBOOK_TRUST_PROXY: 'loopback',
      DRILLBOOK_PUBLIC_URL: PUBLIC,
      DRILLBOOK_POOL_SIZE: '1',
    };
    const p = track(
      spawn(process.execPath, ['src/cli/main.ts', 'serve', '--dir', join(work, 'site'), '--port', String(PORTS[id])], { env }),
    );
    servers[id] = p;
    return until(
      `server ${id} to start`,
      () => {
        if (gone(p)) throw new Error(`server ${id} exited:\n${p.log}`);
        return p.log.includes('Drillbook is up') && p;
      },
      300_000,
    );
  }

  beforeAll(async () => {
    if (!existsSync(NGINX)) throw new Error(`Debian's nginx is missing (${NGINX}): ./drillbook test installs it (apt-get install nginx)`);
    const base = process.env['DRILLBOOK_TEST_DATABASE_URL'];
    if (!base) cluster = await startPgCluster();
    databaseUrl = await createDatabase(base ?? cluster!.url, `drillbook_two_servers_${process.pid}`);
    // nginx's workers (nobody, as root) reach their temp folders inside.
    chmodSync(work, 0o755);
    mkdirSync(join(work, 'site'));
    writeFileSync(join(work, 'site', 'index.html'), '<!doctype html><title>two servers</title>');
    mkdirSync(join(work, 'nginx'));
    writeFileSync(
      join(work, 'nginx', 'nginx.conf'),
      nginxConfig({
        servers: [
          { id: 'a', address: `127.0.0.1:${PORTS.a}` },
          { id: 'b', address: `127.0.0.1:${PORTS.b}` },
        ],
        listen: `127.0.0.1:${PORTS.nginx}`,
        standalone: { prefix: join(work, 'nginx'), ...(process.getuid?.() === 0 ? { user: 'nobody nogroup' } : {}) },
      }),
    );
    await Promise.all([startServer('a'), startServer('b')]);
    nginx = track(
      spawn(NGINX, ['-p', join(work, 'nginx'), '-c', join(work, 'nginx', 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    await until('nginx to answer', async () => {
      if (gone(nginx!)) throw new Error(`nginx exited: ${nginx!.log} ${readFileSync(join(work, 'nginx', 'error.log'), 'utf8')}`);
      return (await fetch(`${PUBLIC}/api/health`).catch(() => undefined))?.ok;
    });
  }, 400_000);

  afterAll(async () => {
    for (const p of [servers.a, servers.b])
      if (p && !gone(p)) {
        p.child.kill('SIGTERM');
        await exited(p);
      }
    if (nginx && !gone(nginx)) {
      nginx.child.kill('SIGTERM');
      await exited(nginx);
    }
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }, 120_000);

  it('runs a workshop, loses one server, keeps every result and the class view, and moves its learners', async () => {
    const outline = courseOutline(loadCourse(contentDir()));
    const quiz = [...outline.blocks.values()].find((c) => c.type === 'quiz' && c.questions.length >= 2);
    if (quiz?.type !== 'quiz') throw new Error('the course has no quiz with two questions');
    const labLesson = outline.labLesson.get(LAB)!;

    // The instructor, through nginx.
    const teacher = new Browser(PUBLIC);
    await teacher.ok('POST', '/api/instructor/login', { password: PASSWORD });
    const { workshop } = await teacher.ok<{ workshop: { id: string; code: string } }>('POST', '/api/workshops', {
      title: 'Two servers',
      seats: 12,
      lessons: [quiz.lesson, labLesson],
    });

    // Learners join and open a sandbox until both servers hold some (the proxy spreads them by cookie).
    const learners: Browser[] = [];
    while (learners.length < 4 || !['a', 'b'].every((s) => learners.some((l) => l.pinned === s))) {
      if (learners.length >= 12) throw new Error(`nginx sent every learner to one server: ${learners.map((l) => l.pinned).join(',')}`);
      const l = new Browser(PUBLIC);
      await l.ok('POST', '/api/join', { code: workshop.code, name: `Learner ${learners.length + 1}` });
      await l.ok<SandboxInfo>('POST', '/api/sandbox');
      expect(['a', 'b']).toContain(l.pinned);
      learners.push(l);
    }
    const on = (s: string) => learners.filter((l) => l.pinned === s);

    // Each server's own live view (no proxy): it must show the results committed on the other.
    const views = {
      a: new LiveView(`http://127.0.0.1:${PORTS.a}`, workshop.id, teacher.cookie),
      b: new LiveView(`http://127.0.0.1:${PORTS.b}`, workshop.id, teacher.cookie),
    };

    // Quiz answers, as pages send them (acknowledged = committed).
    const acked: { learner: string; clientId: string }[] = [];
    const answer = async (l: Browser, question: number) => {
      const id = `two-servers-${l.learner.slice(0, 8)}-${question}`;
      const ev: ClientEvent = {
        kind: 'quiz-answer',
        id,
        at: new Date().toISOString(),
        page: quiz.lesson,
        block: quiz.id,
        question,
        choice: quiz.questions[question]!.correct,
        correct: true,
      };
      const r = await l.ok<{ acked: string[] }>('POST', '/api/events', { events: [ev] });
      expect(r.acked).toEqual([id]);
      acked.push({ learner: l.learner, clientId: id });
    };
    for (const l of learners) await answer(l, 0);

    // One learner on each server starts the lab (fresh servers and its setup), then everyone types.
    const labbers = [on('a')[0]!, on('b')[0]!];
    await Promise.all(labbers.map((l) => l.ok('POST', `/api/labs/${LAB}/start`)));
    const before = new Map<Browser, string>();
    for (const [i, l] of learners.entries()) {
      const info = await l.ok<SandboxInfo>('GET', '/api/sandbox');
      before.set(l, info.id);
      const t = await l.terminal();
      const r = await t.run(`echo typed-by-${i} > ~/mark && cat ~/mark`);
      expect(r.out.trim(), `the terminal showed:\n${JSON.stringify(stripAnsi(t.output))}`).toBe(`typed-by-${i}`);
      t.close();
    }

    // Both servers' live views show every learner's answer, wherever it was committed.
    for (const [s, view] of Object.entries(views))
      for (const l of learners)
        await until(
          `server ${s}'s live view to show ${l.learner}'s answer`,
          () => view.row(l.learner)?.quizzes[quiz.id]?.['0']?.correct === true,
        );
    for (const l of labbers)
      for (const view of Object.values(views)) await until('the lab start in the live view', () => view.row(l.learner)?.labs[LAB]?.started);
    views.a.close();
    views.b.close();

    // Watching a terminal through nginx: the live row names the learner's server, the watch connection asks for it.
    const rows = await until('every live row to name its server', async () => {
      const s = await teacher.ok<LiveSnapshot>('GET', `/api/workshops/${workshop.id}/live`);
      return s.rows.every((r) => r.server !== null) && s.rows;
    });
    for (const l of learners) expect(rows.find((r) => r.learner === l.learner)?.server).toBe(l.pinned);
    /** What a watch connection through nginx asking for `server` sees while the learner types. */
    const watchThrough = async (l: Browser, server: string, word: string): Promise<string> => {
      let seen = '';
      const watcher = new WebSocket(
        `${PUBLIC.replace('http', 'ws')}/api/workshops/${workshop.id}/watch/${l.learner}?drillbook_server=${server}`,
        {
          headers: { cookie: teacher.cookie, origin: PUBLIC },
        },
      );
      watcher.on('message', (d: Buffer, binary: boolean) => (seen += binary ? d.toString('utf8') : `\n${d.toString('utf8')}\n`));
      await new Promise((ok, fail) => watcher.once('open', ok).once('error', fail));
      const t = await l.terminal();
      await t.run(`echo ${word}`);
      await until(
        `the watcher (asking ${server}) to see the typing or be refused`,
        () => seen.includes(word) || seen.includes('"type":"error"'),
      );
      watcher.close();
      t.close();
      return seen;
    };
    for (const l of labbers) {
      const server = rows.find((r) => r.learner === l.learner)!.server!;
      const other = server === 'a' ? 'b' : 'a';
      // Twice: without the pin, nginx would spread the instructor's requests and get this right only by chance.
      for (const n of [1, 2]) {
        const seen = await watchThrough(l, server, `watched-on-${server}-${n}`);
        expect(seen).not.toContain('"type":"error"');
        expect(seen).toContain(`watched-on-${server}-${n}`);
      }
      expect(await watchThrough(l, other, `not-seen-on-${other}`)).toContain('"name":"NoSandbox"');
    }

    // Lose server a: SIGKILL, no goodbye, while its learners' pages are sending results (page views,
    // each sent until acknowledged, as the page's queue does: a request cut by the kill is sent again).
    let sending = true;
    let pageViews = 0;
    let resent = 0;
    const senders = on('a').map(async (l) => {
      for (let n = 0; sending; n++) {
        const id = `two-servers-${l.learner.slice(0, 8)}-view-${n}`;
        const ev: ClientEvent = { kind: 'page-view', id, at: new Date().toISOString(), page: quiz.lesson };
        for (;;) {
          const r = await l.call<{ acked: string[] }>('POST', '/api/events', { events: [ev] }).catch(() => undefined);
          if (r?.status === 200 && r.body.acked.includes(id)) break;
          resent++;
          await sleep(50);
        }
        acked.push({ learner: l.learner, clientId: id });
        pageViews++;
        await sleep(20);
      }
    });
    await until('page views to be flowing', () => pageViews >= 4 * on('a').length);
    servers.a!.child.kill('SIGKILL');
    await exited(servers.a!);
    const atKill = pageViews;
    await until('page views to flow again, through b', () => pageViews >= atKill + 4 * on('a').length);
    sending = false;
    await Promise.all(senders);
    console.log(`two servers: ${pageViews} page views acknowledged around the kill, ${resent} sends refused or cut and sent again`);

    for (const [i, l] of learners.entries()) {
      const wasOnA = l.pinned === 'a';
      const info = await l.ok<SandboxInfo>('GET', '/api/sandbox');
      if (wasOnA) {
        // A fresh sandbox on b, saying why.
        expect(info.id).not.toBe(before.get(l));
        expect(info.notice).toBe(SANDBOX_TEXTS.serverLost);
        expect(l.pinned).toBe('b');
      } else {
        expect(info.id).toBe(before.get(l));
        expect(info.notice).toBeUndefined();
      }
      const t = await l.terminal();
      if (wasOnA)
        await t.until(() => t.messages.some((m) => m.type === 'notice' && m.text === SANDBOX_TEXTS.serverLost), 10_000, 'the notice');
      else expect(t.messages.some((m) => m.type === 'notice' && m.text === SANDBOX_TEXTS.serverLost)).toBe(false);
      const r = await t.run('cat ~/mark 2>/dev/null || echo no-mark');
      expect(r.out.trim()).toBe(wasOnA ? 'no-mark' : `typed-by-${i}`);
      t.close();
      // Results keep coming, all to b now.
      await answer(l, 1);
    }

    // The class view through nginx: every learner, every answer, both lab starts.
    const snap = await teacher.ok<LiveSnapshot>('GET', `/api/workshops/${workshop.id}/live`);
    expect(snap.rows.map((r) => r.learner).sort()).toEqual(learners.map((l) => l.learner).sort());
    for (const row of snap.rows) {
      expect(row.quizzes[quiz.id]?.['0']?.correct).toBe(true);
      expect(row.quizzes[quiz.id]?.['1']?.correct).toBe(true);
    }
    for (const l of labbers) expect(snap.rows.find((r) => r.learner === l.learner)?.labs[LAB]?.started).toBe(true);

    // Nothing acknowledged is missing from the store, and every event is the workshop's.
    const store = await openStore({ databaseUrl });
    try {
      const stored = await store.results.storedIds(acked);
      expect(acked.filter((a) => !stored.has(`${a.learner}\u0000${a.clientId}`))).toEqual([]);
      const events = await store.results.workshopEvents(workshop.id);
      expect(events.length).toBe(acked.length);
    } finally {
      await store.close();
    }
  }, 400_000);
});
