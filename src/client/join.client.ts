/**
 * The join page: POST api/join {code, name}; the server's message (wrong
 * code, ended, full, name taken, name too long) is shown as it is, as text.
 * On success: a welcome, the first lesson of the workshop, and the personal
 * resume link.
 */
import type { JoinAnswer } from '../protocol/workshops.ts';
import { failureText, request } from './api.ts';

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
      const a = await request<JoinAnswer>('POST', `${base}api/join`, { code: code.value, name: name.value });
      if (!a.ok) {
        error.textContent = failureText(a);
        return;
      }
      const body = a.value;
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
