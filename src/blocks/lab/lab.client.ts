/**
 * <db-lab>: Start lab / Check my work / Reset lab against the learner's
 * sandbox (POST api/labs/:id/start|check|reset, GET api/labs/:id). Each
 * check shows passed, not yet (with the author's message and hint) or a
 * server problem that does not count against the learner. The solution
 * opens after the first check. Without sandbox mode the static lab stays.
 */
import { runInSandbox } from '../../client/run-in-sandbox.ts';
import type { LabCheckView, LabView } from '../../labs/view.ts';

const LABELS: Record<LabCheckView['status'], string> = {
  passed: 'passed',
  'not-yet': 'not yet',
  error: 'could not check',
  unchecked: 'not checked',
};

class DbLab extends HTMLElement {
  private base = document.documentElement.dataset['base'] ?? '/';
  private busy = false;

  connectedCallback(): void {
    this.button('start')?.addEventListener('click', () => void this.act('start', 'Preparing your sandbox: running the lab setup…'));
    this.button('check')?.addEventListener('click', () => void this.act('check', 'Checking your work…'));
    this.button('reset')?.addEventListener('click', () => {
      if (confirm('Reset this lab? Your sandbox gets fresh servers and the setup runs again; work in it is lost.')) {
        void this.act('reset', 'Resetting: fresh servers, then the lab setup…');
      }
    });
    // The lab needs sandbox mode; <db-sandbox> marks the page when it is on.
    const observer = new MutationObserver(() => this.onMode());
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-sandbox'] });
    this.onMode();
  }

  private onMode(): void {
    if (document.documentElement.dataset['sandbox'] === 'on' && !this.dataset['live']) {
      this.dataset['live'] = '1';
      void this.refresh();
    }
  }

  private button(action: string): HTMLButtonElement | null {
    return this.querySelector<HTMLButtonElement>(`button[data-action="${action}"]`);
  }

  private url(action?: string): string {
    return `${this.base}api/labs/${encodeURIComponent(this.id)}${action ? `/${action}` : ''}`;
  }

  private async refresh(): Promise<void> {
    const res = await fetch(this.url(), { credentials: 'same-origin' }).catch(() => undefined);
    if (res?.ok) this.render((await res.json()) as LabView);
  }

  private async act(action: 'start' | 'check' | 'reset', doing: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.setButtons();
    this.progress(doing);
    try {
      const res = await fetch(this.url(action), { method: 'POST', credentials: 'same-origin' });
      const body = (await res.json().catch(() => ({}))) as Partial<LabView> & { message?: string };
      if (!res.ok) {
        this.progress(body.message ?? `The server answered ${res.status}.`);
        return;
      }
      this.render(body as LabView);
      if (action !== 'check') runInSandbox('');
    } catch {
      this.progress('The server could not be reached. Check your connection and try again.');
    } finally {
      this.busy = false;
      this.setButtons();
    }
  }

  private progress(text: string): void {
    const p = this.querySelector('.db-lab-progress');
    if (p) p.textContent = text;
  }

  private setButtons(): void {
    const started = this.dataset['started'] === '1';
    const start = this.button('start');
    if (start) {
      start.disabled = this.busy;
      start.hidden = started;
    }
    for (const a of ['check', 'reset']) {
      const b = this.button(a);
      if (b) b.disabled = this.busy || !started;
    }
  }

  private render(view: LabView): void {
    this.dataset['started'] = view.started ? '1' : '';
    if (view.attempted) this.dataset['attempted'] = '1';
    for (const c of view.checks) {
      const li = this.querySelector(`li[data-check="${CSS.escape(c.id)}"]`);
      if (!li) continue;
      const status = li.querySelector<HTMLElement>('.db-lab-status');
      if (status) {
        status.dataset['status'] = c.status;
        status.textContent = LABELS[c.status];
      }
      const msg = li.querySelector('.db-lab-message');
      if (msg) {
        msg.textContent = c.status === 'passed' || c.status === 'unchecked' ? '' : c.message;
        if (c.hint && c.status === 'not-yet') {
          const hint = document.createElement('p');
          hint.className = 'db-lab-hint';
          hint.textContent = `Hint: ${c.hint}`;
          msg.append(hint);
        }
      }
    }
    this.progress(view.summary);
    this.setButtons();
  }
}

customElements.define('db-lab', DbLab);
