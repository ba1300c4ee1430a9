/**
 * <db-command-builder>: reads the builder's canonical data from its JSON
 * script, assembles the command live from the controls (assemble.ts, the
 * same pure function the static render uses), shows what each chosen piece
 * adds, and offers copy and reset. Emits `drillbook:command` with the
 * command when it changes. "Run in my sandbox" hands the command to the
 * sandbox panel (run-in-sandbox.ts), which types it without running it.
 */
import { runInSandbox } from '../../client/run-in-sandbox.ts';
import { copyText } from '../../client/store.ts';
import { assemble, defaultSelections, pieceMeaning, type Selection } from './assemble.ts';
import type { CommandBuilder } from './schema.ts';

class DbCommandBuilder extends HTMLElement {
  private data: CommandBuilder | undefined;

  connectedCallback(): void {
    const json = this.querySelector('script.db-data')?.textContent;
    if (!json) return;
    this.data = JSON.parse(json) as CommandBuilder;
    for (const c of this.controls())
      c.addEventListener(c instanceof HTMLInputElement && c.type === 'text' ? 'input' : 'change', () => this.update());
    this.querySelector('.cb-copy')?.addEventListener('click', () => void this.copy());
    this.querySelector('.cb-reset')?.addEventListener('click', () => this.reset());
    this.querySelector('.cb-run')?.addEventListener('click', () => runInSandbox(this.command()));
    this.update();
  }

  private controls(): (HTMLInputElement | HTMLSelectElement)[] {
    return [...this.querySelectorAll<HTMLInputElement | HTMLSelectElement>('.cb-control')];
  }

  selections(): Selection[] {
    const sel: Selection[] = [];
    for (const c of this.controls()) {
      const i = Number(c.dataset['piece']);
      if (c instanceof HTMLInputElement && c.type === 'checkbox') sel[i] = c.checked;
      else if (c instanceof HTMLInputElement) sel[i] = c.value;
      else sel[i] = c.value === '' ? null : Number(c.value);
    }
    return sel;
  }

  command(): string {
    return this.data ? assemble(this.data, this.selections()) : '';
  }

  private update(): void {
    if (!this.data) return;
    const sel = this.selections();
    const code = this.querySelector('.cb-command code');
    if (code) code.textContent = assemble(this.data, sel);
    const data = this.data;
    data.pieces.forEach((_, i) => {
      const meaning = this.querySelector<HTMLElement>(`.cb-piece[data-piece="${i}"] .cb-meaning`);
      if (!meaning) return;
      meaning.textContent = pieceMeaning(data, i, sel[i]);
      meaning.hidden = meaning.textContent === '';
    });
    this.dispatchEvent(new CustomEvent('drillbook:command', { detail: { blockId: this.id, command: this.command() }, bubbles: true }));
  }

  private async copy(): Promise<void> {
    const ok = await copyText(this.command());
    const status = this.querySelector('.cb-status');
    if (status) status.textContent = ok ? 'Copied' : 'Copy failed: select the command and copy it by hand';
  }

  private reset(): void {
    if (!this.data) return;
    const init = defaultSelections(this.data);
    for (const c of this.controls()) {
      const s = init[Number(c.dataset['piece'])];
      if (c instanceof HTMLInputElement && c.type === 'checkbox') c.checked = s === true;
      else if (c instanceof HTMLInputElement) c.value = '';
      else c.value = typeof s === 'number' ? String(s) : '';
    }
    this.update();
  }
}

if (!customElements.get('db-command-builder')) customElements.define('db-command-builder', DbCommandBuilder);
