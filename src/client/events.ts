/**
 * The page's results queue. Every quiz answer, exercise done, hint or
 * solution revealed and lesson opened becomes an event with an id of its own,
 * kept in localStorage (`drillbook:outbox`) until the server acknowledges it
 * (POST api/events answers the ids it has committed). A failed send (network
 * drop, server restarting, "results not saved") is retried with a growing
 * delay, when the browser comes back online and on the next page, so nothing
 * is lost; an id sent twice is stored once. The server answers per event:
 * `acked` (committed) and `refused` (never acceptable as sent, e.g. a quiz
 * question this site's course does not have); the page forgets exactly those
 * and keeps sending the rest. A whole request refused as malformed or too
 * large (400, 413: an older server, a corrupted queue entry) is split in
 * halves down to single events, and only a single event refused so is
 * dropped. Any other answer (network failure, 401/403/404, 408, 429, 5xx)
 * drops nothing.
 * On a static host (no results server) nothing is sent and localStorage
 * stays the learner's only store (src/client/store.ts).
 */
import type { ClientEvent, EventAck } from '../protocol/events.ts';
import { load, save } from './store.ts';

const KEY = 'outbox';
const BATCH = 100;
const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

type Draft = ClientEvent extends infer E ? (E extends ClientEvent ? Omit<E, 'id' | 'at' | 'page'> : never) : never;

let base = '/';
let enabled = false;
let sending = false;
let delay = RETRY_MIN_MS;
let timer: ReturnType<typeof setTimeout> | undefined;

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The lesson route of this page (its path below the site's base, no slashes around it). */
export function pageRoute(): string {
  const path = decodeURIComponent(location.pathname);
  return (path.startsWith(base) ? path.slice(base.length) : path).replace(/index\.html$/, '').replace(/^\/+|\/+$/g, '');
}

export function pending(): ClientEvent[] {
  return load<ClientEvent[]>(KEY, []);
}

/** Queues an event (kept even when the server is not known yet) and sends soon. */
export function enqueue(draft: Draft): void {
  const event = { ...draft, id: newId(), at: new Date().toISOString(), page: pageRoute() } as ClientEvent;
  save(KEY, [...pending(), event]);
  if (enabled) void flush();
}

function schedule(): void {
  clearTimeout(timer);
  timer = setTimeout(() => void flush(), delay);
  delay = Math.min(RETRY_MAX_MS, delay * 2);
}

/** Whole-request answers that blame the events themselves (malformed, too large), not the moment. */
const REFUSED_AS_SENT = new Set([400, 413]);

/** Sends what is queued, a batch at a time, until the queue is empty or a send fails. */
export async function flush(): Promise<void> {
  if (!enabled || sending) return;
  sending = true;
  let size = BATCH;
  try {
    for (;;) {
      const batch = pending().slice(0, size);
      if (batch.length === 0) break;
      let res: Response;
      try {
        res = await fetch(`${base}api/events`, {
          method: 'POST',
          credentials: 'same-origin',
          cache: 'no-store',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ events: batch }),
        });
      } catch {
        schedule();
        return;
      }
      let drop: Set<string>;
      if (res.ok) {
        const ack = (await res.json().catch(() => ({}))) as Partial<EventAck>;
        drop = new Set([...(ack.acked ?? []), ...(ack.refused ?? []).map((r) => r.id)]);
        size = Math.min(BATCH, size * 2);
      } else if (REFUSED_AS_SENT.has(res.status) && batch.length > 1) {
        // Which event is to blame is not said: send smaller batches until the bad one is alone.
        size = Math.max(1, Math.floor(batch.length / 2));
        continue;
      } else if (REFUSED_AS_SENT.has(res.status)) {
        drop = new Set([batch[0]!.id]);
      } else {
        schedule();
        return;
      }
      // Others may have been queued meanwhile (this tab or another): remove only what was answered.
      save(
        KEY,
        pending().filter((e) => !drop.has(e.id)),
      );
      delay = RETRY_MIN_MS;
      if (!batch.some((e) => drop.has(e.id))) {
        // Nothing of this batch was answered (a server that acknowledged none): try again later.
        schedule();
        return;
      }
    }
  } finally {
    sending = false;
  }
}

/** Called once the server said it keeps results: sends what is queued, and from now on as it comes. */
export function enableResults(siteBase: string): void {
  base = siteBase;
  enabled = true;
  addEventListener('online', () => {
    delay = RETRY_MIN_MS;
    void flush();
  });
  void flush();
}

/** Before the server is known, the base is needed for page routes. */
export function setBase(siteBase: string): void {
  base = siteBase;
}
