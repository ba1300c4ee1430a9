/**
 * /instructor/: sign in, list the instructor's workshops, create one. Every
 * name, title and message from the server is shown as text.
 */
import type { CreatedWorkshop, WorkshopView } from '../protocol/workshops.ts';
import { failureText, request } from './api.ts';

const base = document.documentElement.dataset['base'] ?? '/';
const api = (p: string) => `${base}api/${p}`;
const $ = <E extends HTMLElement>(sel: string) => document.querySelector<E>(sel)!;

/** The API's answer as this page uses it: on failure, `body.message` says why (src/client/api.ts). */
async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ ok: boolean; body: T & { message?: string } }> {
  const a = await request<T>(method, api(path), body);
  return a.ok
    ? { ok: true, body: a.value as T & { message?: string } }
    : { ok: false, body: { message: failureText(a) } as T & { message?: string } };
}

function item(w: WorkshopView): HTMLLIElement {
  const li = document.createElement('li');
  const a = document.createElement('a');
  a.href = `${base}instructor/workshop/?id=${encodeURIComponent(w.id)}`;
  a.textContent = w.title;
  li.append(a, ` · code ${w.shownCode} · ${w.members} of ${w.seats} seats · ${w.state}`);
  return li;
}

async function showWorkshops(): Promise<void> {
  const r = await call<{ workshops: WorkshopView[] }>('GET', 'workshops');
  const list = $('.db-workshop-list');
  list.replaceChildren(...(r.body.workshops ?? []).map(item));
  if ((r.body.workshops ?? []).length === 0) list.append(Object.assign(document.createElement('li'), { textContent: 'None yet.' }));
}

async function start(): Promise<void> {
  const me = await call<{ name: string; passwords: boolean }>('GET', 'instructor/me');
  const status = $('.db-instructor-status');
  if (!me.ok) {
    status.textContent = 'Sign in to run workshops.';
    $('form.db-sign-in').hidden = false;
    return;
  }
  status.textContent = `Signed in as ${me.body.name}.`;
  $('form.db-sign-in').hidden = true;
  $('.db-workshops').hidden = false;
  await showWorkshops();
}

$('form.db-sign-in').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = e.currentTarget as HTMLFormElement;
  const data = new FormData(f);
  void call('POST', 'instructor/login', { name: String(data.get('name') ?? ''), password: String(data.get('password') ?? '') }).then(
    (r) => {
      f.querySelector('.db-form-error')!.textContent = r.ok ? '' : (r.body.message ?? '');
      if (r.ok) void start();
    },
  );
});

$('form.db-create').addEventListener('submit', (e) => {
  e.preventDefault();
  const f = e.currentTarget as HTMLFormElement;
  const data = new FormData(f);
  const when = (k: string) => {
    const v = String(data.get(k) ?? '');
    return v ? new Date(v).toISOString() : undefined;
  };
  const body = {
    title: String(data.get('title') ?? ''),
    seats: Number(data.get('seats')),
    lessons: data.getAll('lessons').map(String),
    startsAt: when('startsAt'),
    endsAt: when('endsAt'),
  };
  void call<CreatedWorkshop>('POST', 'workshops', body).then((r) => {
    f.querySelector('.db-form-error')!.textContent = r.ok ? '' : (r.body.message ?? '');
    if (!r.ok) return;
    const w = r.body.workshop;
    const out = $('.db-created');
    out.replaceChildren();
    const p = document.createElement('p');
    p.append(`Created "${w.title}". Join code: `);
    const code = document.createElement('strong');
    code.className = 'db-created-code';
    code.textContent = w.shownCode;
    const link = document.createElement('a');
    link.href = `${base}instructor/workshop/?id=${encodeURIComponent(w.id)}`;
    link.textContent = 'Open the live class view';
    p.append(code, ` · learners open ${w.joinUrl} · `, link);
    out.append(p);
    if (r.body.capacity.note)
      out.append(Object.assign(document.createElement('p'), { className: 'db-form-error', textContent: r.body.capacity.note }));
    void showWorkshops();
  });
});

$('.db-sign-out').addEventListener('click', () => void call('POST', 'instructor/logout').then(() => location.reload()));

void start();
