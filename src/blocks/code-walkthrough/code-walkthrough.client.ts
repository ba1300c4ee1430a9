/**
 * <db-code-walkthrough>: steps through the annotations with Previous/Next,
 * highlighting the line each one points at. Each note's "Line N" becomes a
 * button that goes to that note (clicking anywhere on a note does too); the
 * current note's button carries aria-current="step" and the position is
 * announced. The notes stay a plain list: they are text, not controls.
 */
class DbCodeWalkthrough extends HTMLElement {
  private at = 0;

  connectedCallback(): void {
    const notes = this.notes();
    if (notes.length === 0) return;
    this.querySelector('.cw-prev')?.addEventListener('click', () => this.go(this.at - 1));
    this.querySelector('.cw-next')?.addEventListener('click', () => this.go(this.at + 1));
    notes.forEach((n, i) => {
      const label = n.querySelector('.cw-line');
      if (label) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'cw-line';
        button.textContent = label.textContent;
        label.replaceWith(button);
      }
      n.addEventListener('click', () => this.go(i));
    });
    this.go(0);
  }

  private notes(): HTMLElement[] {
    return [...this.querySelectorAll<HTMLElement>('.cw-note')];
  }

  private go(i: number): void {
    const notes = this.notes();
    this.at = Math.max(0, Math.min(notes.length - 1, i));
    const line = notes[this.at]?.dataset['line'];
    notes.forEach((n, j) => {
      n.classList.toggle('is-current', j === this.at);
      const button = n.querySelector('button.cw-line');
      if (j === this.at) button?.setAttribute('aria-current', 'step');
      else button?.removeAttribute('aria-current');
    });
    for (const l of this.querySelectorAll<HTMLElement>('.line[data-line]'))
      l.classList.toggle('is-highlighted', l.dataset['line'] === line);
    const pos = this.querySelector('.cw-position');
    const text = `Note ${this.at + 1} of ${notes.length}: line ${line}`;
    if (pos && pos.textContent?.trim() !== text) pos.textContent = text;
    const prev = this.querySelector<HTMLButtonElement>('.cw-prev');
    const next = this.querySelector<HTMLButtonElement>('.cw-next');
    const focused = document.activeElement;
    if (prev) prev.disabled = this.at === 0;
    if (next) next.disabled = this.at === notes.length - 1;
    // A button disabled under the keyboard would drop focus to the page: hand it to the other one.
    if (focused === prev && prev?.disabled) next?.focus();
    if (focused === next && next?.disabled) prev?.focus();
  }
}

if (!customElements.get('db-code-walkthrough')) customElements.define('db-code-walkthrough', DbCodeWalkthrough);
