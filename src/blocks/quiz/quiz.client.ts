/**
 * <db-quiz>: choosing an option shows that option's feedback and marks it
 * right or wrong; a multiple-select question is judged on "Check". The
 * score counts questions answered right. Answers are kept per block id in
 * localStorage; "Try again" clears them. Every judged answer dispatches one
 * bubbling `drillbook:answer` event: { blockId, question, choice, correct }.
 */
import { load, remove, save, setProgress } from '../../client/store.ts';

export interface AnswerDetail {
  blockId: string;
  question: number;
  /** Chosen option indexes (one for single-answer questions). */
  choice: number[];
  correct: boolean;
}

type Saved = Record<number, number[]>;

class DbQuiz extends HTMLElement {
  private answers: Saved = {};

  connectedCallback(): void {
    this.answers = load<Saved>(`quiz:${this.id}`, {});
    this.questions().forEach((fs, qi) => {
      const multiple = fs.dataset['multiple'] === 'true';
      for (const input of this.inputs(fs)) {
        input.addEventListener('change', () => {
          if (!multiple) this.judge(qi, [Number(input.value)], true);
        });
      }
      fs.querySelector('.quiz-check')?.addEventListener('click', () => {
        const chosen = this.inputs(fs)
          .filter((i) => i.checked)
          .map((i) => Number(i.value));
        if (chosen.length > 0) this.judge(qi, chosen, true);
      });
      const saved = this.answers[qi];
      if (saved) {
        for (const i of this.inputs(fs)) i.checked = saved.includes(Number(i.value));
        this.judge(qi, saved, false);
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

  private judge(qi: number, choice: number[], fresh: boolean): void {
    const fs = this.questions()[qi];
    if (!fs) return;
    const options = [...fs.querySelectorAll<HTMLElement>('.quiz-option')];
    const right = options.filter((o) => o.dataset['correct'] === 'true').map((o) => Number(o.dataset['option']));
    const correct = right.length === choice.length && right.every((r) => choice.includes(r));
    for (const o of options) {
      const i = Number(o.dataset['option']);
      const picked = choice.includes(i);
      o.classList.toggle('is-picked', picked);
      o.classList.toggle('is-correct', picked && o.dataset['correct'] === 'true');
      o.classList.toggle('is-wrong', picked && o.dataset['correct'] !== 'true');
      const fb = o.querySelector<HTMLElement>('.quiz-option-feedback');
      if (fb) fb.hidden = !picked;
    }
    fs.dataset['result'] = correct ? 'right' : 'wrong';
    this.answers[qi] = choice;
    save(`quiz:${this.id}`, this.answers);
    this.updateScore();
    if (fresh) {
      const detail: AnswerDetail = { blockId: this.id, question: qi, choice, correct };
      this.dispatchEvent(new CustomEvent('drillbook:answer', { detail, bubbles: true }));
    }
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
      for (const i of this.inputs(fs)) i.checked = false;
      for (const o of fs.querySelectorAll<HTMLElement>('.quiz-option')) {
        o.classList.remove('is-picked', 'is-correct', 'is-wrong');
        const fb = o.querySelector<HTMLElement>('.quiz-option-feedback');
        if (fb) fb.hidden = true;
      }
    }
    this.updateScore();
    this.inputs(this)[0]?.focus();
  }
}

if (!customElements.get('db-quiz')) customElements.define('db-quiz', DbQuiz);
