/**
 * The page's results queue (src/client/events.ts) at its seam: fetch is a
 * scripted server, localStorage an in-memory one, timers fake. What a learner
 * would notice: an answer is forgotten only once the server has committed it
 * or refused it for good; a refused neighbour, a network drop, a restarting
 * server or a refusal that blames nothing in particular loses nothing.
 * (The server side of a mixed batch: workshop-routes.test.ts; the page in a
 * browser going offline: tests/e2e/workshop.spec.ts.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientEvent, EventAck } from '../../src/protocol/events.ts';

type Queue = typeof import('../../src/client/events.ts');

/** A fake server: `answer` gets each request's events and says what to reply. */
type Answer = (events: ClientEvent[]) => { status: number; body?: unknown } | 'network-down';

let storage: Map<string, string>;
let sent: string[][];
let answer: Answer;

function stubBrowser(): void {
  storage = new Map();
  sent = [];
  vi.stubGlobal('localStorage', {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  });
  vi.stubGlobal('location', { pathname: '/foundations/logical-vs-physical/' });
  vi.stubGlobal('addEventListener', vi.fn());
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      expect(url).toBe('/api/events');
      const events = (JSON.parse(String(init.body)) as { events: ClientEvent[] }).events;
      sent.push(events.map((e) => e.id));
      const a = answer(events);
      if (a === 'network-down') throw new TypeError('Failed to fetch');
      return new Response(JSON.stringify(a.body ?? {}), { status: a.status, headers: { 'content-type': 'application/json' } });
    }),
  );
}

/** The queue as a fresh page loads it (module state included). */
async function freshQueue(): Promise<Queue> {
  vi.resetModules();
  return import('../../src/client/events.ts');
}

const outbox = () => JSON.parse(storage.get('drillbook:outbox') ?? '[]') as ClientEvent[];
const blocks = (events: ClientEvent[]) => events.map((e) => ('block' in e ? e.block : e.kind));
const answerTo = (block: string) => ({ kind: 'quiz-answer' as const, block, question: 0, choice: [0], correct: true });

/** The server this page talks to today: commits the good events, refuses a question the course lacks. */
const perEvent: Answer = (events) => ({
  status: 200,
  body: {
    acked: events.filter((e) => !('block' in e && e.block === 'bad')).map((e) => e.id),
    refused: events
      .filter((e) => 'block' in e && e.block === 'bad')
      .map((e) => ({ id: e.id, error: 'UnknownBlock', message: 'quiz "bad" has no question 1 with options 1 on this site.' })),
  } satisfies EventAck,
});

beforeEach(() => {
  vi.useFakeTimers();
  stubBrowser();
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the page results queue', () => {
  it('keeps everything through a network drop, then forgets the acknowledged and the refused, and nothing else', async () => {
    const q = await freshQueue();
    answer = () => 'network-down';
    q.enqueue(answerTo('q1'));
    q.enqueue(answerTo('bad'));
    q.enqueue(answerTo('q2'));
    q.enableResults('/');
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(1);
    expect(blocks(outbox())).toEqual(['q1', 'bad', 'q2']);
    // Still down at the first retry (1 s): still kept.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent).toHaveLength(2);
    expect(blocks(outbox())).toEqual(['q1', 'bad', 'q2']);
    // Back: the next retry (2 s later) sends all three; the server commits two and refuses one.
    answer = perEvent;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sent).toHaveLength(3);
    expect(sent[2]).toHaveLength(3);
    expect(outbox()).toEqual([]);
    // Nothing is sent again.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent).toHaveLength(3);
  });

  it('a server that cannot save (507) or is busy (429), and refusals that are not about the events (401, 403, 404), drop nothing', async () => {
    const q = await freshQueue();
    const statuses = [507, 429, 401, 403, 404, 503];
    let n = 0;
    answer = (events) => (n < statuses.length ? { status: statuses[n++]!, body: { error: 'X', message: 'x' } } : perEvent(events));
    q.enqueue(answerTo('q1'));
    q.enqueue(answerTo('q2'));
    q.enableResults('/');
    // The first send, then retries after a growing delay (1, 2, 4, 8, 16 s, at most 30 s).
    const waits = [0, 1_000, 2_000, 4_000, 8_000, 16_000];
    for (const [i, wait] of waits.entries()) {
      await vi.advanceTimersByTimeAsync(wait);
      expect(sent).toHaveLength(i + 1);
      expect(blocks(outbox())).toEqual(['q1', 'q2']);
    }
    await vi.advanceTimersByTimeAsync(30_000);
    expect(sent).toHaveLength(statuses.length + 1);
    expect(outbox()).toEqual([]);
  });

  it('a whole batch refused as malformed (an older server) is split until only the bad event is dropped', async () => {
    const q = await freshQueue();
    // The old answer: one bad event makes the whole request a 400.
    answer = (events) =>
      events.some((e) => 'block' in e && e.block === 'bad')
        ? { status: 400, body: { error: 'UnknownBlock', message: 'quiz "bad" has no question 1' } }
        : { status: 200, body: { acked: events.map((e) => e.id) } };
    for (const b of ['q1', 'q2', 'bad', 'q3', 'q4']) q.enqueue(answerTo(b));
    const ids = new Map(outbox().map((e) => ['block' in e ? e.block : '', e.id]));
    q.enableResults('/');
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox()).toEqual([]);
    const acked = sent.filter((batch) => !batch.includes(ids.get('bad')!)).flat();
    expect(acked.sort()).toEqual(['q1', 'q2', 'q3', 'q4'].map((b) => ids.get(b)).sort());
    // The bad one was sent alone once before it was dropped.
    expect(sent.filter((batch) => batch.length === 1 && batch[0] === ids.get('bad'))).toHaveLength(1);
  });

  it('a batch larger than the server takes (413) is sent in smaller batches, all acknowledged', async () => {
    const q = await freshQueue();
    answer = (events) => (events.length > 30 ? { status: 413, body: { error: 'PayloadTooLarge', message: 'x' } } : perEvent(events));
    for (let i = 0; i < 120; i++) q.enqueue(answerTo(`q${i}`));
    q.enableResults('/');
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox()).toEqual([]);
    const delivered = sent.filter((b) => b.length <= 30).flat();
    expect(new Set(delivered).size).toBe(120);
  });

  it('what is queued while a batch is in flight is kept and sent next', async () => {
    const q = await freshQueue();
    let release!: () => void;
    const gate = new Promise<void>((ok) => (release = ok));
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init: RequestInit) => {
        const events = (JSON.parse(String(init.body)) as { events: ClientEvent[] }).events;
        sent.push(events.map((e) => e.id));
        if (sent.length === 1) await gate;
        return new Response(JSON.stringify((perEvent(events) as { body: unknown }).body));
      }),
    );
    q.enqueue(answerTo('q1'));
    q.enableResults('/');
    await vi.advanceTimersByTimeAsync(0);
    q.enqueue(answerTo('q2'));
    expect(blocks(outbox())).toEqual(['q1', 'q2']);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(outbox()).toEqual([]);
    expect(sent.map((b) => b.length)).toEqual([1, 1]);
  });
});
