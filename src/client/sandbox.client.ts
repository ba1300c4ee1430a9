/**
 * <db-sandbox>: the bootstrap of the sandbox panel, on every lesson page. It
 * is kept small; the panel's behaviour, the connection and xterm.js load from
 * sandbox-panel.ts when the panel first opens.
 *
 * - GET `${base}api/health`: only `{sandbox: {enabled: true}}` turns sandbox
 *   mode on, which sets `<html data-sandbox="on">` (CSS then shows the
 *   launcher and every `.db-run-in-sandbox` button). A failed request or any
 *   other answer leaves the static page exactly as it is. (The static build
 *   ships `api/health` saying "disabled", so static hosts answer without a
 *   404 in the console.)
 * - The launcher opens the panel: it creates the learner's sandbox or reuses
 *   the one they have.
 * - `drillbook:run-in-sandbox` (run-in-sandbox.ts) opens the panel if needed
 *   and types the command into the shell.
 * - An open panel is remembered in sessionStorage: after a reload it
 *   reattaches to the learner's existing sandbox, never creating one.
 */
import { health } from './health.ts';
import { RUN_IN_SANDBOX_EVENT, type RunInSandboxDetail } from './run-in-sandbox.ts';

type Panel = import('./sandbox-panel.ts').SandboxPanel;

const OPEN_KEY = 'drillbook:sandbox-open';

function wasOpen(): boolean {
  try {
    return sessionStorage.getItem(OPEN_KEY) === '1';
  } catch {
    return false;
  }
}

function rememberOpen(open: boolean): void {
  try {
    if (open) sessionStorage.setItem(OPEN_KEY, '1');
    else sessionStorage.removeItem(OPEN_KEY);
  } catch {
    // Storage disabled: a reload simply leaves the panel closed.
  }
}

class DbSandbox extends HTMLElement {
  private panel: Promise<Panel> | undefined;
  private readonly base = document.documentElement.dataset['base'] ?? '/';

  connectedCallback(): void {
    this.querySelector('.sandbox-launch')?.addEventListener('click', () => void this.withPanel((p) => p.open()));
    document.addEventListener(RUN_IN_SANDBOX_EVENT, (e) => {
      const { command } = (e as CustomEvent<RunInSandboxDetail>).detail;
      void this.withPanel((p) => p.run(command));
    });
    void this.checkHealth();
  }

  private async checkHealth(): Promise<void> {
    // No server behind the site (or offline): stay a static page.
    const h = await health(this.base);
    if (h?.sandbox?.enabled !== true) return;
    document.documentElement.dataset['sandbox'] = 'on';
    if (wasOpen()) void this.withPanel((p) => p.reattach());
  }

  /** Loads the panel on first use; a failed load is reported in the panel. */
  private async withPanel(fn: (p: Panel) => Promise<void>): Promise<void> {
    if (document.documentElement.dataset['sandbox'] !== 'on') return;
    this.panel ??= import('./sandbox-panel.ts').then((m) => new m.SandboxPanel(this, this.base, rememberOpen));
    let panel: Panel;
    try {
      panel = await this.panel;
    } catch {
      this.panel = undefined;
      const status = this.querySelector('.sandbox-status');
      const box = this.querySelector<HTMLElement>('.sandbox-panel');
      if (box) box.hidden = false;
      if (status) status.textContent = 'Could not load the terminal. Check your connection and reload the page.';
      return;
    }
    await fn(panel);
  }
}

if (!customElements.get('db-sandbox')) customElements.define('db-sandbox', DbSandbox);
