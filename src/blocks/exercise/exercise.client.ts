/**
 * <db-exercise>: hints are revealed one at a time ("Show a hint"), answers
 * and solution stay in their <details> until asked for; the learner's notes
 * and "done" mark are kept per block id in localStorage. A hint revealed, the
 * solution opened and the done mark dispatch a bubbling `drillbook:exercise`
 * event ({blockId, kind: 'hint-revealed' | 'solution-revealed' |
 * 'exercise-done', hint?, done?}) that the results queue sends to the server.
 */
import type { ExerciseDetail } from '../../client/page-events.ts';
import { load, save, setProgress } from '../../client/store.ts';

interface Saved {
  hints: number;
  notes: string;
  done: boolean;
}

class DbExercise extends HTMLElement {
  private state: Saved = { hints: 0, notes: '', done: false };

  private report(detail: Omit<ExerciseDetail, 'blockId'>): void {
    this.dispatchEvent(new CustomEvent<ExerciseDetail>('drillbook:exercise', { detail: { blockId: this.id, ...detail }, bubbles: true }));
  }

  connectedCallback(): void {
    this.state = { ...this.state, ...load<Partial<Saved>>(`exercise:${this.id}`, {}) };
    const hints = [...this.querySelectorAll<HTMLDetailsElement>('.ex-hint[data-hint]')];
    const next = this.querySelector<HTMLButtonElement>('.ex-next-hint');
    const show = () => {
      hints.forEach((h, i) => h.classList.toggle('is-revealed', i < this.state.hints));
      if (next) {
        const left = hints.length - this.state.hints;
        next.hidden = left === 0;
        next.textContent = this.state.hints === 0 ? `Show a hint (${left})` : `Show another hint (${left} left)`;
      }
    };
    next?.addEventListener('click', () => {
      this.state.hints = Math.min(hints.length, this.state.hints + 1);
      this.persist();
      show();
      this.report({ kind: 'hint-revealed', hint: this.state.hints - 1 });
      // Shown first: a hint still hidden cannot take focus.
      const h = hints[this.state.hints - 1];
      if (h) {
        h.open = true;
        h.querySelector('summary')?.focus();
      }
    });
    show();
    const notes = this.querySelector<HTMLTextAreaElement>('.ex-notes');
    if (notes) {
      notes.value = this.state.notes;
      notes.addEventListener('input', () => {
        this.state.notes = notes.value;
        this.persist();
      });
    }
    const done = this.querySelector<HTMLInputElement>('.ex-done');
    if (done) {
      done.checked = this.state.done;
      done.addEventListener('change', () => {
        this.state.done = done.checked;
        this.persist();
        setProgress(this.id, done.checked);
        this.report({ kind: 'exercise-done', done: done.checked });
      });
    }
    const solution = this.querySelector<HTMLDetailsElement>('details.ex-solution');
    solution?.addEventListener('toggle', () => {
      if (solution.open && !solution.dataset['reported']) {
        solution.dataset['reported'] = '1';
        this.report({ kind: 'solution-revealed' });
      }
    });
  }

  private persist(): void {
    save(`exercise:${this.id}`, this.state);
  }
}

if (!customElements.get('db-exercise')) customElements.define('db-exercise', DbExercise);
