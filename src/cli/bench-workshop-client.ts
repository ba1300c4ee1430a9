/**
 * The class's side of `bench workshop`, a process of its own (started by
 * bench-workshop.ts as `node src/cli/bench-workshop-client.ts PLAN.json`):
 * N learners join one workshop over HTTP and send what pages send (quiz
 * answers, lessons opened, exercise marks and hints) as pages do, with a
 * local queue retried until acknowledged; the first few also start a lab,
 * type in its terminal over the WebSocket and check it; every learner keeps
 * the stream a page keeps open (GET api/me/stream, server-sent events,
 * reconnected like EventSource); an instructor's live view is open (SSE) the
 * whole time. The server is killed and restarted meanwhile by the parent:
 * learners retry, labs start again, the streams reconnect. The queue is this
 * process's own (the page's is src/client/events.ts), with the same rules:
 * an event is forgotten once acknowledged or refused. Prints one JSON line.
 *
 * ack_ms: per event, from the start of the POST that was acknowledged to its
 * answer. ack_with_retries_ms: per event, from its first send to its
 * acknowledgement, outage and retries included. live_lag_ms: per event,
 * from the start of the acknowledged POST to the live view's row message
 * naming it (events committed while the live view was reconnecting arrive in
 * its next snapshot and have no sample). Lab checks: every check run the
 * server answered is written to the acked file with its check results
 * (id:status), so that the parent can look for each in the store.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import WebSocket from 'ws';

interface Plan {
  url: string;
  code: string;
  workshop: string;
  instructorCookie: string;
  learners: number;
  labLearners: number;
  lab: string;
  seconds: number;
  quizzes: { block: string; page: string; options: number[] }[];
  exercises: { block: string; page: string }[];
  pages: string[];
  /** The lab's check ids (a check run produces a result for each). */
  labCheckIds: string[];
  /** Where to write what was acknowledged (events by learner and client id, lab check runs) for the parent's check. */
  ackedFile: string;
}

type Ev = Record<string, unknown> & { id: string };

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
let seq = 0;
const newId = () => `b${process.pid.toString(36)}x${(seq++).toString(36)}x${Math.random().toString(36).slice(2, 8)}`;

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as Plan;
  const headers = (cookie: string) => ({ cookie, origin: plan.url, 'content-type': 'application/json' });
  const ackMs: number[] = [];
  const lagMs: number[] = [];
  const sentAt = new Map<string, number>();
  const ackWithRetriesMs: number[] = [];
  const firstSent = new Map<string, number>();
  const acked: { learner: string; clientId: string }[] = [];
  const labAcked: { learner: string; results: string[] }[] = [];
  let generated = 0;
  let labResultsRequested = 0;
  let refusedEvents = 0;
  let streamsOpen = 0;
  let streamsMax = 0;
  let streamMessages = 0;
  let streamReconnects = 0;
  let retries = 0;
  let labChecks = 0;
  let labStarts = 0;
  let labErrors = 0;
  let reconnects = 0;
  const labProblems: string[] = [];
  const end = Date.now() + plan.seconds * 1000;

  // --- the instructor's live view, reconnecting after a drop
  let liveOpen = true;
  const live = (async () => {
    while (liveOpen) {
      try {
        const res = await fetch(`${plan.url}/api/workshops/${plan.workshop}/stream`, { headers: { cookie: plan.instructorCookie } });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        for await (const data of sseData(res.body)) {
          const msg = JSON.parse(data) as { type: string; events?: string[] };
          if (msg.type === 'row') {
            const t = performance.now();
            for (const id of msg.events ?? []) {
              const at = sentAt.get(id);
              if (at !== undefined) {
                lagMs.push(t - at);
                sentAt.delete(id);
              }
            }
          }
          if (!liveOpen) break;
        }
      } catch {
        // The server is down (killed, restarting): try again shortly.
      }
      if (liveOpen) {
        reconnects++;
        await sleep(200);
      }
    }
  })();
  await sleep(300);

  // --- learners
  const learner = async (n: number) => {
    let cookie = '';
    let id = '';
    for (;;) {
      try {
        const r = await fetch(`${plan.url}/api/join`, {
          method: 'POST',
          headers: headers(''),
          body: JSON.stringify({ code: plan.code, name: `Learner ${n + 1}` }),
        });
        if (r.status !== 200) throw new Error(`join: ${r.status} ${await r.text()}`);
        cookie = (r.headers.get('set-cookie') ?? '').split(';')[0]!;
        id = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1)).replace(/\.[^.]*$/, '');
        break;
      } catch (e) {
        if (Date.now() > end) throw e;
        await sleep(500);
      }
    }
    const stream = learnerStream(cookie);
    const queue: Ev[] = [];
    let delay = 250;
    const flush = async () => {
      while (queue.length > 0) {
        const batch = queue.slice(0, 100);
        const t0 = performance.now();
        for (const e of batch) {
          sentAt.set(e.id, t0);
          if (!firstSent.has(e.id)) firstSent.set(e.id, t0);
        }
        try {
          const r = await fetch(`${plan.url}/api/events`, {
            method: 'POST',
            headers: headers(cookie),
            body: JSON.stringify({ events: batch }),
          });
          if (r.status !== 200) throw new Error(`${r.status} ${await r.text()}`);
          const body = (await r.json()) as { acked: string[]; refused?: { id: string; error: string }[] };
          const tEnd = performance.now();
          const got = new Set(body.acked);
          for (const e of batch)
            if (got.has(e.id)) {
              ackMs.push(tEnd - t0);
              ackWithRetriesMs.push(tEnd - firstSent.get(e.id)!);
              acked.push({ learner: id, clientId: e.id });
            }
          // The bench sends only events the course has: a refusal is counted (and fails the run).
          refusedEvents += body.refused?.length ?? 0;
          const answered = new Set([...body.acked, ...(body.refused ?? []).map((x) => x.id)]);
          for (let i = queue.length - 1; i >= 0; i--) if (answered.has(queue[i]!.id)) queue.splice(i, 1);
          if (!batch.some((e) => answered.has(e.id))) throw new Error('the server answered none of the batch');
          delay = 250;
        } catch {
          retries++;
          await sleep(delay);
          delay = Math.min(2_000, delay * 2);
        }
      }
    };
    const enqueue = (e: Omit<Ev, 'id' | 'at'>) => {
      generated++;
      queue.push({ ...e, id: newId(), at: new Date().toISOString() } as Ev);
    };
    const labWork = n < plan.labLearners ? labLoop(cookie, id) : Promise.resolve();
    await sleep(Math.random() * 2_000);
    while (Date.now() < end) {
      const r = Math.random();
      if (r < 0.5) {
        const q = pick(plan.quizzes);
        const qi = Math.floor(Math.random() * q.options.length);
        enqueue({
          kind: 'quiz-answer',
          page: q.page,
          block: q.block,
          question: qi,
          choice: [Math.floor(Math.random() * q.options[qi]!)],
          correct: false,
        });
      } else if (r < 0.75) enqueue({ kind: 'page-view', page: pick(plan.pages) });
      else if (r < 0.9 && plan.exercises.length > 0) {
        const x = pick(plan.exercises);
        enqueue({ kind: 'hint-revealed', page: x.page, block: x.block, hint: Math.floor(Math.random() * 3) });
      } else if (plan.exercises.length > 0) {
        const x = pick(plan.exercises);
        enqueue({ kind: 'exercise-done', page: x.page, block: x.block, done: true });
      }
      await flush();
      await sleep(1_000 + Math.random() * 2_000);
    }
    await flush();
    await labWork;
    await stream;
  };

  // A learner's page keeps GET api/me/stream open (messages, locks, watching) and reconnects
  // after a drop as EventSource does; until the run's end.
  const learnerStream = async (cookie: string) => {
    while (Date.now() < end) {
      let open = false;
      try {
        const ac = new AbortController();
        const timer = setTimeout(() => ac.abort(), Math.max(0, end - Date.now()));
        const res = await fetch(`${plan.url}/api/me/stream`, { headers: { cookie, accept: 'text/event-stream' }, signal: ac.signal });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        open = true;
        streamsOpen++;
        streamsMax = Math.max(streamsMax, streamsOpen);
        try {
          for await (const data of sseData(res.body)) if (data !== undefined) streamMessages++;
        } finally {
          clearTimeout(timer);
        }
      } catch {
        // Down (killed, restarting) or the run's end.
      }
      if (open) streamsOpen--;
      if (Date.now() < end) {
        streamReconnects++;
        await sleep(1_000);
      }
    }
  };

  // A lab learner: start the lab, type in its terminal, check; after the server's restart the
  // sandbox is gone (LabNotStarted), so the lab is started again.
  const labLoop = async (cookie: string, learnerId: string) => {
    let started = false;
    while (Date.now() < end) {
      try {
        if (!started) {
          const r = await fetch(`${plan.url}/api/labs/${plan.lab}/start`, { method: 'POST', headers: { cookie, origin: plan.url } });
          if (r.status !== 200) throw new Error(`start ${r.status} ${(await r.text()).slice(0, 200)}`);
          started = true;
          labStarts++;
          await typeInTerminal(cookie);
        }
        labResultsRequested += plan.labCheckIds.length;
        const c = await fetch(`${plan.url}/api/labs/${plan.lab}/check`, { method: 'POST', headers: { cookie, origin: plan.url } });
        if (c.status === 200) {
          labChecks++;
          const view = (await c.json()) as { checks: { id: string; status: string }[] };
          labAcked.push({ learner: learnerId, results: view.checks.map((k) => `${k.id}:${k.status}`) });
        } else if (c.status === 409) started = false;
        else if (c.status !== 429) throw new Error(`check ${c.status} ${(await c.text()).slice(0, 200)}`);
      } catch (e) {
        labErrors++;
        if (labProblems.length < 5) labProblems.push((e as Error).message);
        started = false;
      }
      await sleep(4_000 + Math.random() * 2_000);
    }
  };

  const typeInTerminal = (cookie: string) =>
    new Promise<void>((ok) => {
      const ws = new WebSocket(`${plan.url.replace('http', 'ws')}/api/sandbox/terminal?cols=100&rows=30`, {
        headers: { cookie, origin: plan.url },
      });
      let out = '';
      const done = () => {
        ws.close();
        ok();
      };
      const timer = setTimeout(done, 20_000);
      ws.on('message', (d: Buffer, bin: boolean) => {
        if (!bin) return;
        out += d.toString('utf8');
        if (out.includes('bench-typed-42')) {
          clearTimeout(timer);
          done();
        }
      });
      ws.on('open', () =>
        setTimeout(() => ws.send(Buffer.from('mysql -Nse "select 1" shop; echo bench-typed-$((6*7))\r'), { binary: true }), 500),
      );
      ws.on('error', () => {
        clearTimeout(timer);
        ok();
      });
    });

  await Promise.all(Array.from({ length: plan.learners }, (_, n) => learner(n)));
  await sleep(2_000);
  liveOpen = false;
  await Promise.race([live, sleep(1_000)]);
  writeFileSync(plan.ackedFile, JSON.stringify({ events: acked, labChecks: labAcked }));
  process.stdout.write(
    `${JSON.stringify({
      generated,
      labResultsRequested,
      acked: acked.length,
      refusedEvents,
      retries,
      ackMs,
      ackWithRetriesMs,
      lagMs,
      labStarts,
      labChecks,
      labErrors,
      labProblems,
      reconnects,
      streamsMax,
      streamMessages,
      streamReconnects,
    })}\n`,
  );
  process.exit(0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench workshop client: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

/** The data of each server-sent event on `body` (one `data:` line per event here), until it ends; stopping early cancels the stream. */
async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += dec.decode(value, { stream: true });
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const data = buf
          .slice(0, i)
          .split('\n')
          .find((l) => l.startsWith('data: '));
        buf = buf.slice(i + 2);
        if (data !== undefined) yield data.slice(6);
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
