/**
 * <db-lab>: Start lab / Check my work / Reset lab against the learner's
 * sandbox (POST api/labs/:id/start|check|reset, GET api/labs/:id). Each
 * check shows passed, not yet (with the author's message and hint) or a
 * server problem that does not count against the learner. The solution is
 * not in the page: it is fetched (GET api/labs/:id/solution) once the server
 * says the learner has really tried, or after "Give up and show me the
 * solution" (POST api/labs/:id/give-up, recorded with the results). Without
 * sandbox mode the static lab stays.
 *
 * - The status line (role=status) announces each action and its outcome;
 *   while the lab starts, the setup step the server is at and the elapsed
 *   time show beside it without being announced.
 * - Buttons stay focusable while an action runs (aria-disabled), so the
 *   keyboard focus is never lost; Check and Reset are disabled only until
 *   the lab has been started.
 * - A start or reset opens the sandbox panel (its terminal takes the focus).
 */
import { request } from '../../client/api.ts';
import { runInSandbox } from '../../client/run-in-sandbox.ts';
import type { LabCheckView, LabSolution, LabView } from '../../protocol/labs.ts';

const LABELS: Record<LabCheckView['status'], string> = {
  passed: 'passed',
  'not-yet': 'not yet',
  error: 'could not check',
  unchecked: 'not checked',
};

type Action = 'start' | 'check' | 'reset';

/** How often the setup's progress is asked for while the lab starts. */
const PROGRESS_POLL_MS = 700;

class DbLab extends HTMLElement {
  private base = document.documentElement.dataset['base'] ?? '/';
  private busy = false;
  /** A start failed: Reset lab (fresh servers, setup again) is the way out even though the lab never started. */
  private startFailed = false;
  private ticker: ReturnType<typeof setInterval> | undefined;

  connectedCallback(): void {
    this.button('start')?.addEventListener('click', () => void this.act('start', 'Preparing your sandbox for this lab…'));
    this.button('check')?.addEventListener('click', () => void this.act('check', 'Checking your work…'));
    this.button('reset')?.addEventListener('click', () => {
      if (this.busy) return;
      if (confirm('Reset this lab? Your sandbox gets fresh servers and the setup runs again; work in it is lost.')) {
        void this.act('reset', 'Resetting: fresh servers, then the lab setup…');
      }
    });
    this.querySelector('button[data-action="give-up"]')?.addEventListener('click', () => {
      if (this.busy) return;
      if (confirm('Give up and see the solution? That you gave up is kept with your results.')) void this.giveUp();
    });
    // The lab needs sandbox mode; <db-sandbox> marks the page when it is on.
    const observer = new MutationObserver(() => this.onMode());
    observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-sandbox'] });
    this.onMode();
  }

  disconnectedCallback(): void {
    this.stopTicker();
  }

  private get labId(): string {
    return this.dataset['lab'] ?? this.id;
  }

  private onMode(): void {
    if (document.documentElement.dataset['sandbox'] === 'on' && !this.dataset['live']) {
      this.dataset['live'] = '1';
      void this.refresh();
    }
  }

  private button(action: Action): HTMLButtonElement | null {
    return this.querySelector<HTMLButtonElement>(`button[data-action="${action}"]`);
  }

  private url(action?: Action | 'solution' | 'give-up'): string {
    return `${this.base}api/labs/${encodeURIComponent(this.labId)}${action ? `/${action}` : ''}`;
  }

  /** The learner's state of this lab (after a reload, in a second tab); quiet when the server has no answer. */
  private async refresh(duringAction = false): Promise<LabView | undefined> {
    const got = await request<LabView>('GET', this.url());
    if (!got.ok) return undefined;
    const view = got.value;
    if (this.busy && !duringAction) return view;
    this.render(view, view.started ? view.summary : '', false);
    return view;
  }

  private async act(action: Action, doing: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.setAttribute('aria-busy', 'true');
    this.setButtons();
    this.progress(doing);
    if (action !== 'check') this.startTicker();
    try {
      const got = await request<LabView>('POST', this.url(action));
      if (!got.ok && got.status === 0) {
        this.progress('The server could not be reached. Check your connection and try again.');
        return;
      }
      if (!got.ok) {
        const message = got.error.message ?? `The server answered ${got.status} ${got.statusText}. Try again in a moment.`;
        if (action !== 'check' && got.error.error === 'LabSetupFailed') this.startFailed = true;
        // The lab stopped running (sandbox reset, ended or expired): show it as not started again.
        if (got.error.error === 'LabNotStarted') await this.refresh(true);
        this.progress(message);
        return;
      }
      if (action !== 'check') this.startFailed = false;
      this.render(got.value, got.value.summary, true);
      if (action !== 'check') runInSandbox('');
    } finally {
      this.busy = false;
      this.stopTicker();
      this.removeAttribute('aria-busy');
      this.setButtons();
    }
  }

  /** While the lab starts: elapsed seconds and the setup step the server is at (shown, not announced). */
  private startTicker(): void {
    this.stopTicker();
    const detail = this.querySelector<HTMLElement>('.db-lab-elapsed');
    if (!detail) return;
    const t0 = performance.now();
    let step = '';
    let asking = false;
    const tick = () => {
      const s = Math.floor((performance.now() - t0) / 1000);
      detail.textContent = step ? `${step} · ${s} s` : `${s} s`;
    };
    const poll = async () => {
      if (asking) return;
      asking = true;
      const got = await request<LabView>('GET', this.url());
      const view = got.ok ? got.value : undefined;
      asking = false;
      if (this.ticker === undefined) return;
      // The server answers the setup step it is at as the summary ("Setting up, step 2 of 4: …").
      if (view?.summary.startsWith('Setting up')) step = view.summary;
      tick();
    };
    tick();
    let n = 0;
    this.ticker = setInterval(() => {
      tick();
      if (++n % 2 === 0) void poll();
    }, PROGRESS_POLL_MS / 2);
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
    const detail = this.querySelector<HTMLElement>('.db-lab-elapsed');
    if (detail) detail.textContent = '';
  }

  private progress(text: string): void {
    const p = this.querySelector('.db-lab-progress');
    if (p) p.textContent = text;
  }

  private setButtons(): void {
    const started = this.dataset['started'] === '1';
    const start = this.button('start');
    if (start) {
      // Hidden once started; focus moves on to Check my work rather than being lost.
      const hide = started && !this.busy;
      if (hide && !start.hidden && document.activeElement === start) this.button('check')?.focus({ preventScroll: true });
      start.hidden = hide;
    }
    for (const a of ['check', 'reset'] as const) {
      const b = this.button(a);
      if (b) b.disabled = !started && !(a === 'reset' && this.startFailed);
    }
    for (const b of this.querySelectorAll<HTMLButtonElement>('button[data-action]')) {
      if (this.busy) b.setAttribute('aria-disabled', 'true');
      else b.removeAttribute('aria-disabled');
    }
  }

  /** "Give up and show me the solution": recorded by the server, which answers with the solution. */
  private async giveUp(): Promise<void> {
    const got = await request<LabSolution>('POST', this.url('give-up'));
    const body = got.ok ? got.value : undefined;
    if (!body) {
      this.progress('The solution could not be fetched. Check your connection and try again.');
      return;
    }
    this.showSolution(body, true);
    this.progress('The solution is shown below. That you gave up is kept with your results.');
  }

  /** Fetches the solution the server now serves, once; quiet when it does not answer. */
  private async loadSolution(): Promise<boolean> {
    if (this.dataset['solution']) return true;
    const got = await request<LabSolution>('GET', this.url('solution'));
    const body = got.ok ? got.value : undefined;
    if (body) this.showSolution(body, false);
    return body !== undefined;
  }

  /** The solution as text (never as HTML), in the folded block below the checks. */
  private showSolution(s: LabSolution, open: boolean): void {
    const details = this.querySelector<HTMLDetailsElement>('details.db-lab-solution');
    const code = details?.querySelector('code');
    if (!details || !code) return;
    code.textContent = s.solution.replace(/\n$/, '');
    details.hidden = false;
    if (open) details.open = true;
    this.dataset['solution'] = s.reason;
  }

  /** Shows the lab's state; `acted`: after the learner's action, so a solution that just opened is announced. */
  private render(view: LabView, summary: string, acted: boolean): void {
    if (view.started) this.dataset['started'] = '1';
    else delete this.dataset['started'];
    if (view.attempted) this.dataset['attempted'] = '1';
    const opening = view.solution !== 'locked' && !this.dataset['solution'];
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
        msg.replaceChildren();
        if (c.status === 'not-yet' || c.status === 'error') {
          const p = document.createElement('p');
          p.append(...withCode(c.message));
          msg.append(p);
        }
        if (c.hint && c.status === 'not-yet') {
          const hint = document.createElement('p');
          hint.className = 'db-lab-hint';
          hint.append('Hint: ', ...withCode(c.hint));
          msg.append(hint);
        }
      }
    }
    this.progress(summary);
    this.setButtons();
    if (opening) {
      void this.loadSolution().then((ok) => {
        if (ok && acted && summary) this.progress(`${summary} The solution is now available below.`);
      });
    }
  }
}

/** Text with its `code` spans as <code> elements (never parsed as HTML: messages may quote tool output). */
export function withCode(text: string): (string | HTMLElement)[] {
  return text.split(/(`[^`\n]+`)/).map((part) => {
    if (!/^`[^`\n]+`$/.test(part)) return part;
    const code = document.createElement('code');
    code.textContent = part.slice(1, -1);
    return code;
  });
}

if (!customElements.get('db-lab')) customElements.define('db-lab', DbLab);
