/**
 * The join page: POST api/join {code, name}; the server's message (wrong
 * code, ended, full, name taken, name too long) is shown as it is, as text.
 * On success: a welcome, the first lesson of the workshop, and the personal
 * resume link.
 */
import type { JoinAnswer } from '../protocol/workshops.ts';

const base = document.documentElement.dataset['base'] ?? '/';
const form = document.querySelector<HTMLFormElement>('form.db-join');
const error = form?.querySelector<HTMLElement>('.db-form-error');
const done = document.querySelector<HTMLElement>('.db-join-done');
if (form && error && done) {
  const code = form.elements.namedItem('code') as HTMLInputElement;
  const name = form.elements.namedItem('name') as HTMLInputElement;
  code.value = new URLSearchParams(location.search).get('code') ?? '';
  (code.value ? name : code).focus();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    error.textContent = '';
    void (async () => {
      const res = await fetch(`${base}api/join`, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code: code.value, name: name.value }),
      }).catch(() => undefined);
      if (!res) {
        error.textContent = 'The server could not be reached. Check your connection and try again.';
        return;
      }
      const body = (await res.json().catch(() => ({}))) as Partial<JoinAnswer> & { message?: string };
      if (!res.ok || !body.workshop) {
        error.textContent = body.message ?? `The server answered ${res.status}.`;
        return;
      }
      form.hidden = true;
      done.hidden = false;
      const w = body.workshop;
      done.querySelector('.db-join-welcome')!.textContent =
        `Welcome to "${w.title}", ${w.name}. Your instructor now sees you in the class.`;
      const first = w.lessons[0];
      const start = done.querySelector<HTMLAnchorElement>('.db-join-start')!;
      start.href = first ? `${base}${first}/` : base;
      start.textContent = first ? 'Open the first lesson' : 'Go to the lessons';
      done.querySelector('.db-join-resume')!.textContent = body.resumeUrl ?? '';
    })();
  });
}
