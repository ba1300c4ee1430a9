/**
 * The live class view (/instructor/workshop/?id=…). GET api/workshops/:id/stream
 * (server-sent events) gives a snapshot, then a row each time a learner's
 * result is committed; the browser reconnects by itself after a drop or a
 * server restart and gets a fresh snapshot, rebuilt from the store.
 *
 * - Table: a row per learner, a column per quiz and lab of the workshop's
 *   lessons; cells say not started / right / wrong (n of m right) / lab
 *   checks passed n of m / solution shown. Stuck flags (stuckFlags in
 *   src/protocol/workshops.ts) are re-evaluated every 15 s, so "no activity"
 *   appears without an event. Filter by name, "stuck only", sort.
 * - Summary: per question, how many chose each option; per lab, how many passed.
 * - Pacing (lock lessons and labs), everyone to this page, messages (all or
 *   one), watching a learner's terminal read-only (xterm with stdin off; the
 *   server ignores anything sent), ending the workshop, downloading the
 *   gradebook (a plain GET form to api/workshops/:id/grades).
 * Every name and text is set with textContent: nothing a learner typed is HTML.
 */
import type { LiveMessage, LiveRow, LiveSnapshot } from '../protocol/workshops.ts';
import { stuckFlags } from '../protocol/stuck.ts';
import { cellOf, labCell } from './live-cells.ts';
import { failureText, request } from './api.ts';

const base = document.documentElement.dataset['base'] ?? '/';
const id = new URLSearchParams(location.search).get('id') ?? '';
const api = (p: string) => `${base}api/workshops/${encodeURIComponent(id)}/${p}`;
const $ = <E extends HTMLElement>(sel: string) => document.querySelector<E>(sel)!;
const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string) => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};

let snap: LiveSnapshot | undefined;
/** Server time minus browser time, so "no activity" ages by the server's clock. */
let skew = 0;
const now = () => Date.now() + skew;

function progress(row: LiveRow): number {
  if (!snap) return 0;
  return snap.columns.filter((c) => ['right', 'passed'].includes(cellOf(c, row).state)).length;
}

function flagText(row: LiveRow): string {
  return stuckFlags(row, now())
    .map((f) =>
      f.kind === 'failing'
        ? `check ${f.check} of ${f.lab} failed ${f.times}×`
        : f.kind === 'idle'
          ? `no activity for ${f.minutes} min`
          : `sandbox at a limit: ${f.text}`,
    )
    .join('; ');
}

function renderHead(): void {
  if (!snap) return;
  const tr = el('tr');
  tr.append(el('th', 'Learner'), el('th', 'Stuck'), el('th', 'Lesson'));
  for (const c of snap.columns) {
    const th = el('th', `${c.type === 'quiz' ? 'Quiz' : 'Lab'}: ${c.title}`);
    th.dataset['column'] = c.id;
    tr.append(th);
  }
  tr.append(el('th', 'Terminal'));
  $('.db-live-table thead').replaceChildren(tr);
}

function rowElement(row: LiveRow): HTMLTableRowElement {
  const tr = el('tr');
  tr.dataset['learner'] = row.learner;
  const name = el('th', row.name);
  name.scope = 'row';
  const flags = flagText(row);
  tr.dataset['stuck'] = flags ? 'yes' : 'no';
  const lesson = snap?.lessons.find((l) => l.route === row.page);
  tr.append(name, el('td', flags, 'db-live-flags'), el('td', lesson?.title ?? row.page ?? '—'));
  for (const c of snap?.columns ?? []) {
    const cell = cellOf(c, row);
    const td = el('td', cell.text);
    td.dataset['cell'] = cell.state;
    td.dataset['column'] = c.id;
    tr.append(td);
  }
  const watch = el('td');
  if (row.watched) watch.append('being watched ');
  if (row.watchAllowed && snap?.workshop.state !== 'ended') {
    const b = el('button', 'Watch', 'db-button db-live-watch-button');
    b.type = 'button';
    b.addEventListener('click', () => void watchLearner(row));
    watch.append(b);
  } else if (!row.watchAllowed) watch.append('watching off');
  tr.append(watch);
  return tr;
}

function renderRows(): void {
  if (!snap) return;
  const filter = $<HTMLInputElement>('.db-live-filter').value.trim().toLowerCase();
  const stuckOnly = $<HTMLInputElement>('.db-live-stuck-only').checked;
  const sort = $<HTMLSelectElement>('.db-live-sort').value;
  let rows = snap.rows.filter((r) => r.name.toLowerCase().includes(filter) && (!stuckOnly || flagText(r) !== ''));
  const by: Record<string, (a: LiveRow, b: LiveRow) => number> = {
    name: (a, b) => a.name.localeCompare(b.name),
    stuck: (a, b) => Number(flagText(b) !== '') - Number(flagText(a) !== '') || a.name.localeCompare(b.name),
    progress: (a, b) => progress(a) - progress(b) || a.name.localeCompare(b.name),
    activity: (a, b) => Date.parse(a.lastActivity) - Date.parse(b.lastActivity),
  };
  rows = [...rows].sort(by[sort] ?? by['name']);
  $('.db-live-table tbody').replaceChildren(...rows.map(rowElement));
  renderSummary();
  const learners = $<HTMLSelectElement>('.db-live-message select[name="learner"]');
  const chosen = learners.value;
  learners.replaceChildren(el('option', 'everyone'), ...snap.rows.map((r) => Object.assign(el('option', r.name), { value: r.learner })));
  (learners.options[0] as HTMLOptionElement).value = '';
  learners.value = chosen;
}

function renderSummary(): void {
  if (!snap) return;
  const items: HTMLLIElement[] = [];
  for (const c of snap.columns) {
    if (c.type === 'quiz') {
      c.questions.forEach((q, qi) => {
        const counts = q.options.map(() => 0);
        let answered = 0;
        for (const r of snap!.rows) {
          const a = r.quizzes[c.id]?.[String(qi)];
          if (!a) continue;
          answered++;
          for (const ch of a.choice) if (ch < counts.length) counts[ch]!++;
        }
        const li = el('li');
        li.dataset['question'] = `${c.id}:${qi}`;
        li.append(el('strong', `${c.title}, question ${qi + 1}`), ` (${answered} answered): `);
        li.append(
          q.options.map((o, oi) => `${String.fromCharCode(65 + oi)}${q.correct.includes(oi) ? ' ✓' : ''} ${counts[oi]}`).join(' · '),
        );
        li.title = q.text;
        items.push(li);
      });
    } else {
      const passed = snap.rows.filter((r) => labCell(c, r).state === 'passed').length;
      const started = snap.rows.filter((r) => r.labs[c.id]).length;
      const li = el('li');
      li.dataset['lab'] = c.id;
      li.append(el('strong', `Lab: ${c.title}`), `: ${passed} passed, ${started} started, of ${snap.rows.length}`);
      items.push(li);
    }
  }
  $('.db-live-summary').replaceChildren(...items);
}

function renderWorkshop(): void {
  if (!snap) return;
  const w = snap.workshop;
  $('.db-live-title').textContent = `Live: ${w.title}`;
  $('.db-live-join').textContent =
    w.state === 'ended'
      ? `Ended ${new Date(w.endedAt ?? Date.now()).toLocaleString()}. ${w.members} learners; results are kept as they were.`
      : `Join code ${w.shownCode} · ${w.joinUrl} · ${w.members} of ${w.seats} seats taken · ${w.state}`;
  const locked = new Set(snap.locks.map((l) => `${l.kind}:${l.target}`));
  const pacing = $('.db-live-pacing');
  pacing.replaceChildren();
  for (const l of snap.lessons) {
    const box = (kind: 'lesson' | 'lab', target: string, label: string) => {
      const lab = el('label');
      const cb = el('input');
      cb.type = 'checkbox';
      cb.checked = locked.has(`${kind}:${target}`);
      cb.dataset['lock'] = `${kind}:${target}`;
      cb.disabled = w.state === 'ended';
      cb.addEventListener('change', () => void post('locks', { kind, target, locked: cb.checked }));
      lab.append(cb, ` lock ${label}`);
      return lab;
    };
    pacing.append(box('lesson', l.route, `lesson “${l.title}”`));
    for (const lab of l.labs) pacing.append(box('lab', lab, `lab ${lab}`));
  }
  const goto = $<HTMLSelectElement>('.db-live-goto select[name="route"]');
  if (goto.options.length === 0) goto.append(...snap.lessons.map((l) => Object.assign(el('option', l.title), { value: l.route })));
  $<HTMLButtonElement>('.db-live-end').disabled = w.state === 'ended';
}

async function post(path: string, body?: unknown): Promise<boolean> {
  const a = await request<unknown>('POST', api(path), body);
  $('.db-live-sent').textContent = a.ok ? '' : failureText(a);
  return a.ok;
}

function onMessage(msg: LiveMessage): void {
  if (msg.type === 'snapshot') {
    snap = msg.snapshot;
    skew = Date.parse(msg.snapshot.now) - Date.now();
    renderHead();
    renderWorkshop();
    renderRows();
  } else if (!snap) return;
  else if (msg.type === 'row') {
    skew = Date.parse(msg.now) - Date.now();
    const i = snap.rows.findIndex((r) => r.learner === msg.row.learner);
    if (i >= 0) snap.rows[i] = msg.row;
    else snap.rows.push(msg.row);
    renderRows();
  } else if (msg.type === 'workshop') {
    snap.workshop = msg.workshop;
    snap.locks = msg.locks;
    renderWorkshop();
    renderRows();
  }
}

function connect(): void {
  const es = new EventSource(api('stream'));
  const status = $('.db-live-status');
  es.addEventListener('open', () => (status.textContent = 'Live: updates arrive as learners work.'));
  es.addEventListener('error', () => (status.textContent = 'Connection lost: reconnecting…'));
  es.addEventListener('message', (e: MessageEvent<string>) => {
    try {
      onMessage(JSON.parse(e.data) as LiveMessage);
    } catch {
      // A malformed message is skipped; the next snapshot corrects the view.
    }
  });
}

// --- watching ---------------------------------------------------------------------------------
let watching: { ws: WebSocket; dispose: () => void } | undefined;

async function watchLearner(row: LiveRow): Promise<void> {
  stopWatching();
  const box = $('.db-live-watch');
  box.hidden = false;
  $('.db-live-watch-title').textContent = `Watching ${row.name} (read-only)`;
  const status = $('.db-live-watch-status');
  status.textContent = 'Connecting…';
  const { Terminal } = await import('@xterm/xterm');
  const host = $('.db-live-xterm');
  host.replaceChildren();
  // xterm draws only while on screen (it pauses rendering out of view).
  box.scrollIntoView({ block: 'nearest' });
  const term = new Terminal({ disableStdin: true, cursorBlink: false, fontSize: 12, scrollback: 2000, theme: { background: '#0d1117' } });
  term.open(host);
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  // Several servers: the proxy sends the watch connection to the server holding the sandbox (docs/deploy.md).
  const pin = row.server ? `?drillbook_server=${encodeURIComponent(row.server)}` : '';
  const ws = new WebSocket(`${scheme}//${location.host}${api(`watch/${encodeURIComponent(row.learner)}`)}${pin}`);
  ws.binaryType = 'arraybuffer';
  ws.addEventListener('message', (e: MessageEvent<ArrayBuffer | string>) => {
    if (typeof e.data !== 'string') {
      term.write(new Uint8Array(e.data));
      return;
    }
    const m = JSON.parse(e.data) as { type: string; message?: string; text?: string; cols?: number };
    if (m.type === 'ready') {
      term.reset();
      status.textContent = `Watching ${row.name}: they see that you are watching.`;
    } else if (m.type === 'error') status.textContent = m.message ?? 'Watching was refused.';
    else if (m.type === 'closed') status.textContent = m.text ?? 'The sandbox ended.';
  });
  ws.addEventListener('close', () => {
    if (watching?.ws === ws && !status.textContent?.startsWith('Watching was') && !/refused|cannot|off/.test(status.textContent ?? ''))
      status.textContent = `${status.textContent} (connection closed)`;
  });
  watching = { ws, dispose: () => term.dispose() };
}

function stopWatching(): void {
  if (!watching) return;
  watching.ws.close(1000, 'stopped');
  watching.dispose();
  watching = undefined;
  $('.db-live-watch').hidden = true;
}

$('.db-live-watch-close').addEventListener('click', stopWatching);
$('.db-live-filter').addEventListener('input', renderRows);
$('.db-live-stuck-only').addEventListener('change', renderRows);
$('.db-live-sort').addEventListener('change', renderRows);
$('form.db-live-goto').addEventListener('submit', (e) => {
  e.preventDefault();
  const route = $<HTMLSelectElement>('.db-live-goto select[name="route"]').value;
  void post('messages', { kind: 'goto', route }).then((ok) => {
    if (ok) $('.db-live-sent').textContent = 'Sent: everyone sees a banner with a link to that page.';
  });
});
$('form.db-live-message').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = e.currentTarget as HTMLFormElement;
  const text = (f.elements.namedItem('text') as HTMLTextAreaElement).value;
  const learner = (f.elements.namedItem('learner') as HTMLSelectElement).value;
  void post('messages', { kind: 'message', text, ...(learner ? { learner } : {}) }).then((ok) => {
    if (ok) {
      $('.db-live-sent').textContent = 'Message sent.';
      f.reset();
    }
  });
});
$('.db-live-end').addEventListener('click', () => {
  if (!confirm("End the workshop? Every learner's sandbox ends; results are kept as they are.")) return;
  void post('end');
});
// "No activity for 10 min" appears without an event.
setInterval(renderRows, 15_000);

if (id) connect();
else $('.db-live-status').textContent = 'No workshop given: open it from the instructor page.';

// The grades form is a plain GET form: the browser downloads the file the server names.
$<HTMLFormElement>('.db-live-grades').action = api('grades');
