/**
 * <db-quiz>: answering an option shows that option's feedback and marks it
 * right or wrong; a multiple-select question is judged on "Check". The
 * score counts questions answered right. Answers are kept per block id in
 * localStorage; "Try again" clears them. Every answer dispatches exactly one
 * bubbling `drillbook:answer` event: { blockId, question, choice, correct }
 * (answering the same choice again is not a new answer).
 *
 * When a single-answer question is answered: a native radio group checks
 * the next option on every arrow key and fires click and change for it, so
 * "the checked option changed" cannot mean "answered" (arrowing from A to C
 * would answer B on the way). The question stays a native radio group, so
 * arrow keys move the selection as keyboard and screen reader users expect,
 * and an answer is an explicit activation of an option: a click or tap,
 * Space, Enter, or a screen reader's activate command (which reaches the
 * page as a click with no key before it). Only the clicks the browser
 * synthesises for an arrow key are ignored. We keep this over a Check
 * button on every question because pointer users answer in one step, as
 * before, and the question's instructions say which keys answer.
 *
 * Each answered option's input is described by its feedback
 * (aria-describedby, set only once it is shown: a hidden description would
 * give the answer away), and the feedback and score are announced in a
 * polite live region.
 */
import type { AnswerDetail } from '../../client/page-events.ts';
import { load, remove, save, setProgress } from '../../client/store.ts';

export type { AnswerDetail } from '../../client/page-events.ts';

type Saved = Record<number, number[]>;

const ARROWS = new Set(['ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight']);
const same = (a: readonly number[] | undefined, b: readonly number[]) =>
  a !== undefined && a.length === b.length && a.every((x) => b.includes(x));

class DbQuiz extends HTMLElement {
  private answers: Saved = {};
  /** Set while an arrow key's default action runs (it clicks the option it moves to). */
  private arrowing = false;

  connectedCallback(): void {
    this.answers = load<Saved>(`quiz:${this.id}`, {});
    this.questions().forEach((fs, qi) => {
      if (fs.dataset['multiple'] === 'true') {
        fs.querySelector('.quiz-check')?.addEventListener('click', () => {
          const chosen = this.inputs(fs)
            .filter((i) => i.checked)
            .map((i) => Number(i.value));
          if (chosen.length > 0) this.answer(qi, chosen);
        });
      } else {
        const keys = fs.querySelector('.quiz-keys');
        if (keys) fs.setAttribute('aria-describedby', keys.id);
        fs.addEventListener('keydown', (e) => {
          if (!ARROWS.has(e.key)) return;
          this.arrowing = true;
          setTimeout(() => (this.arrowing = false));
        });
        for (const input of this.inputs(fs)) {
          input.addEventListener('click', () => {
            if (!this.arrowing) this.answer(qi, [Number(input.value)]);
          });
          input.addEventListener('keydown', (e) => {
            if (e.key !== 'Enter') return;
            e.preventDefault();
            input.checked = true;
            this.answer(qi, [Number(input.value)]);
          });
          // Space on an option the arrows already checked fires no click.
          input.addEventListener('keyup', (e) => {
            if (e.key === ' ' && input.checked) this.answer(qi, [Number(input.value)]);
          });
        }
      }
      const saved = this.answers[qi];
      if (saved) {
        for (const i of this.inputs(fs)) i.checked = saved.includes(Number(i.value));
        this.judge(qi, saved);
      }
    });
    this.querySelector('.quiz-retry')?.addEventListener('click', () => this.reset());
    this.updateScore();
  }

  private questions(): HTMLFieldSetElement[] {
    return [...this.querySelectorAll<HTMLFieldSetElement>('fieldset.quiz-question')];
  }

  private inputs(fs: Element): HTMLInputElement[] {
    return [...fs.querySelectorAll<HTMLInputElement>('.quiz-option input')];
  }

  /** A learner's answer: judged, saved, announced and dispatched, unless it is the answer already given. */
  private answer(qi: number, choice: number[]): void {
    if (same(this.answers[qi], choice)) return;
    const correct = this.judge(qi, choice);
    this.answers[qi] = choice;
    save(`quiz:${this.id}`, this.answers);
    this.updateScore();
    this.announce(qi, choice, correct);
    const detail: AnswerDetail = { blockId: this.id, question: qi, choice, correct };
    this.dispatchEvent(new CustomEvent('drillbook:answer', { detail, bubbles: true }));
  }

  /** Shows the verdict and feedback of `choice` on question `qi`; returns whether it is right. */
  private judge(qi: number, choice: number[]): boolean {
    const fs = this.questions()[qi];
    if (!fs) return false;
    const options = [...fs.querySelectorAll<HTMLElement>('.quiz-option')];
    const right = options.filter((o) => o.dataset['correct'] === 'true').map((o) => Number(o.dataset['option']));
    const correct = same(right, choice);
    for (const o of options) {
      const i = Number(o.dataset['option']);
      const picked = choice.includes(i);
      o.classList.toggle('is-picked', picked);
      o.classList.toggle('is-correct', picked && o.dataset['correct'] === 'true');
      o.classList.toggle('is-wrong', picked && o.dataset['correct'] !== 'true');
      const fb = o.querySelector<HTMLElement>('.quiz-option-feedback');
      const input = o.querySelector('input');
      if (fb) fb.hidden = !picked;
      if (fb && input && picked) input.setAttribute('aria-describedby', fb.id);
      else input?.removeAttribute('aria-describedby');
    }
    fs.dataset['result'] = correct ? 'right' : 'wrong';
    return correct;
  }

  private announce(qi: number, choice: number[], correct: boolean): void {
    const fs = this.questions()[qi];
    const region = this.querySelector('.quiz-announce');
    if (!fs || !region) return;
    // The verdict and the feedback paragraphs are separate elements: read them as separate words.
    const text = (el: Element | null) =>
      [...(el?.childNodes ?? [])]
        .map((n) => n.textContent ?? '')
        .join(' ')
        .replace(/\s+/g, ' ')
        .trim();
    const feedback = choice.map((i) => text(fs.querySelector(`.quiz-option[data-option="${i}"] .quiz-option-feedback`))).filter(Boolean);
    const verdict = fs.dataset['multiple'] === 'true' ? [correct ? 'Right: every right answer is ticked.' : 'Not right yet.'] : [];
    const score = this.questions().length > 1 ? [this.querySelector('.quiz-score')?.textContent ?? ''] : [];
    region.textContent = [...verdict, ...feedback, ...score].join(' ');
  }

  private updateScore(): void {
    const qs = this.questions();
    const answered = qs.filter((q) => q.dataset['result']).length;
    const right = qs.filter((q) => q.dataset['result'] === 'right').length;
    const score = this.querySelector<HTMLElement>('.quiz-score');
    if (score)
      score.textContent =
        answered === 0
          ? ''
          : qs.length > 1
            ? `Score: ${right} of ${qs.length} right`
            : right === 1
              ? 'Right!'
              : 'Not yet right: try another option.';
    const retry = this.querySelector<HTMLElement>('.quiz-retry');
    if (retry) retry.hidden = answered === 0;
    setProgress(this.id, right === qs.length);
  }

  private reset(): void {
    this.answers = {};
    remove(`quiz:${this.id}`);
    for (const fs of this.questions()) {
      delete fs.dataset['result'];
      for (const i of this.inputs(fs)) {
        i.checked = false;
        i.removeAttribute('aria-describedby');
      }
      for (const o of fs.querySelectorAll<HTMLElement>('.quiz-option')) {
        o.classList.remove('is-picked', 'is-correct', 'is-wrong');
        const fb = o.querySelector<HTMLElement>('.quiz-option-feedback');
        if (fb) fb.hidden = true;
      }
    }
    const region = this.querySelector('.quiz-announce');
    if (region) region.textContent = '';
    this.updateScore();
    this.inputs(this)[0]?.focus();
  }
}

if (!customElements.get('db-quiz')) customElements.define('db-quiz', DbQuiz);
