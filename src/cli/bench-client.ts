/**
 * The learners' side of `bench sandbox`, run as separate processes so that
 * what is measured is what a learner waits for: HTTP and the WebSocket over
 * loopback, the server's event loop, the sandbox. Started by bench-sandbox.ts
 * as `node src/cli/bench-client.ts MODE JSON`; prints one JSON line.
 *
 * prompt {url, count}: each time a new learner opens a sandbox (POST) and its
 *   terminal, the time until the shell's prompt is on screen; then it closes it.
 * learners {url, learners, seconds, thinkMs}: that many learners at once,
 *   each typing a query (one key about every 150 ms, waiting for its echo),
 *   running it (psql and mysql), then reading for about thinkMs; the time
 *   from each keystroke to its echo.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { stripVTControlCharacters } from 'node:util';
import WebSocket from 'ws';

const PROMPT = /learner@sandbox[^\n]*\$ $/;

interface Session {
  cookie: string;
  ws: WebSocket;
  out: string;
  waiters: (() => void)[];
}

async function open(url: string): Promise<Session> {
  const r = await fetch(`${url}/api/sandbox`, { method: 'POST', headers: { origin: url } });
  if (r.status !== 200) throw new Error(`POST /api/sandbox: ${r.status} ${await r.text()}`);
  const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
  const ws = new WebSocket(`${url.replace('http', 'ws')}/api/sandbox/terminal?cols=120&rows=30`, { headers: { cookie, origin: url } });
  const s: Session = { cookie, ws, out: '', waiters: [] };
  ws.on('message', (d: Buffer, bin: boolean) => {
    if (!bin) return;
    s.out = (s.out + d.toString('utf8')).slice(-8192);
    for (const w of s.waiters.splice(0)) w();
  });
  await new Promise((ok, fail) => {
    ws.on('open', ok);
    ws.on('error', fail);
  });
  return s;
}

/** Resolves when `cond` holds for the session's output (checked on every output chunk). */
function until(s: Session, cond: () => boolean, ms = 60_000): Promise<void> {
  return new Promise((ok, fail) => {
    const deadline = setTimeout(() => fail(new Error(`timed out; screen ends with ${JSON.stringify(s.out.slice(-200))}`)), ms);
    const check = () => {
      if (cond()) {
        clearTimeout(deadline);
        ok();
      } else s.waiters.push(check);
    };
    check();
  });
}

const clean = (s: string) => stripVTControlCharacters(s).replace(/\r/g, '');

async function close(url: string, s: Session): Promise<void> {
  s.ws.close();
  await fetch(`${url}/api/sandbox`, { method: 'DELETE', headers: { cookie: s.cookie, origin: url } });
}

async function prompt(opts: { url: string; count: number }): Promise<{ ms: number[] }> {
  const ms: number[] = [];
  for (let i = 0; i < opts.count; i++) {
    const t0 = performance.now();
    const s = await open(opts.url);
    await until(s, () => PROMPT.test(clean(s.out)));
    ms.push(performance.now() - t0);
    await close(opts.url, s);
  }
  return { ms };
}

async function learners(opts: {
  url: string;
  learners: number;
  seconds: number;
  thinkMs: number;
}): Promise<{ echo: number[]; queries: number }> {
  const sessions = await Promise.all(Array.from({ length: opts.learners }, () => open(opts.url)));
  await Promise.all(sessions.map((s) => until(s, () => PROMPT.test(clean(s.out)))));
  const echo: number[] = [];
  let queries = 0;
  const end = Date.now() + opts.seconds * 1000;
  await Promise.all(
    sessions.map(async (s, n) => {
      await sleep((n * 97) % 1000);
      while (Date.now() < end) {
        for (const ch of 'selectxyz') {
          const before = s.out.length;
          const t0 = performance.now();
          s.ws.send(Buffer.from(ch), { binary: true });
          await until(s, () => s.out.length > before && s.out.slice(before).includes(ch), 10_000);
          echo.push(performance.now() - t0);
          await sleep(100 + Math.random() * 100);
        }
        s.ws.send(Buffer.from('\u0015'), { binary: true });
        const marker = `q${n}-${queries}`;
        s.out = '';
        s.ws.send(
          Buffer.from(
            `psql -Atc "select count(*) from pg_class" >/dev/null; mysql -Nse "select count(*) from information_schema.tables" >/dev/null; echo ${marker}-done\r`,
          ),
          { binary: true },
        );
        await until(s, () => clean(s.out).includes(`${marker}-done\n`) && PROMPT.test(clean(s.out)), 30_000);
        queries++;
        await sleep(opts.thinkMs * (0.5 + Math.random()));
      }
    }),
  );
  await Promise.all(sessions.map((s) => close(opts.url, s)));
  return { echo, queries };
}

const [mode, json] = process.argv.slice(2);
const opts: unknown = JSON.parse(json ?? '{}');
const work =
  mode === 'prompt'
    ? prompt(opts as Parameters<typeof prompt>[0])
    : mode === 'learners'
      ? learners(opts as Parameters<typeof learners>[0])
      : Promise.reject(new Error(`unknown mode ${mode}`));
work.then(
  (r) => {
    process.stdout.write(`${JSON.stringify(r)}\n`);
    process.exit(0);
  },
  (e: unknown) => {
    process.stderr.write(`bench-client ${mode}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
