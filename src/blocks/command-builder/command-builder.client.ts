/**
 * <db-command-builder>: reads the builder's canonical data from its JSON
 * script, assembles the command live from the controls (assemble.ts, the
 * same pure function the static render uses), shows what each chosen piece
 * adds and which required parts are still unchosen, and offers copy and
 * reset. What the author declared cannot be combined with the current
 * choices (conflicts.ts) is disabled, with the reason beside it, and what
 * the tool still needs (a declared requirement unmet) is said under the
 * command, so the learner never builds a command the tool refuses unawares. Emits `drillbook:command`
 * with the command when it changes. "Run in my sandbox" hands the command to the
 * sandbox panel (run-in-sandbox.ts), which types it without running it.
 */
import { runInSandbox } from '../../client/run-in-sandbox.ts';
import { copyText } from '../../client/store.ts';
import { assemble, defaultSelections, missingRequired, pieceMeaning, type Selection } from './assemble.ts';
import { blockedBy, blockedText, unmetRequirements, unmetText } from './conflicts.ts';
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
    this.applyConflicts(sel);
    const missing = this.querySelector<HTMLElement>('.cb-missing');
    if (missing) {
      const left = missingRequired(data, sel);
      missing.textContent = left.length > 0 ? `Still to choose: ${left.join(', ')}.` : '';
      missing.hidden = left.length === 0;
    }
    const needs = this.querySelector<HTMLElement>('.cb-needs');
    if (needs) {
      const unmet = unmetRequirements(data.pieces, data.requires ?? [], sel).map(unmetText);
      needs.textContent = unmet.join(' ');
      needs.hidden = unmet.length === 0;
    }
    this.dispatchEvent(new CustomEvent('drillbook:command', { detail: { blockId: this.id, command: this.command() }, bubbles: true }));
  }

  /** Disables the pieces and choices the current selection rules out, and says why beside each. */
  private applyConflicts(sel: Selection[]): void {
    if (!this.data) return;
    const blocked = blockedBy(this.data.pieces, this.data.conflicts ?? [], sel);
    for (const c of this.controls()) {
      const i = Number(c.dataset['piece']);
      const mine = blocked.filter((b) => b.piece === i);
      const whole = mine.find((b) => b.choice === undefined);
      c.disabled = whole !== undefined;
      if (c instanceof HTMLSelectElement) {
        for (const o of c.options) {
          const ci = o.value === '' ? -1 : Number(o.value);
          const b = mine.find((x) => x.choice === ci);
          o.disabled = b !== undefined;
          const base = o.dataset['text'] ?? o.textContent ?? '';
          o.dataset['text'] = base;
          o.textContent = b ? `${base} (not with ${b.by})` : base;
        }
      }
      const note = this.querySelector<HTMLElement>(`.cb-piece[data-piece="${i}"] .cb-blocked`);
      if (note) {
        const texts = [...new Set(mine.map((b) => blockedText(b)))];
        note.textContent = texts.join(' ');
        note.hidden = texts.length === 0;
        if (texts.length > 0) c.setAttribute('aria-describedby', note.id);
        else c.removeAttribute('aria-describedby');
      }
    }
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
