/**
 * <db-code-walkthrough>: steps through the annotations with Previous/Next
 * (or by choosing a note), highlighting the line each one points at.
 */
class DbCodeWalkthrough extends HTMLElement {
  private at = 0;

  connectedCallback(): void {
    const notes = this.notes();
    if (notes.length === 0) return;
    this.querySelector('.cw-prev')?.addEventListener('click', () => this.go(this.at - 1));
    this.querySelector('.cw-next')?.addEventListener('click', () => this.go(this.at + 1));
    notes.forEach((n, i) => {
      n.tabIndex = 0;
      n.addEventListener('click', () => this.go(i));
      n.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.go(i);
        }
      });
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
    notes.forEach((n, j) => n.classList.toggle('is-current', j === this.at));
    for (const l of this.querySelectorAll<HTMLElement>('.line[data-line]'))
      l.classList.toggle('is-highlighted', l.dataset['line'] === line);
    const pos = this.querySelector('.cw-position');
    const text = `Note ${this.at + 1} of ${notes.length}: line ${line}`;
    if (pos && pos.textContent?.trim() !== text) pos.textContent = text;
    const prev = this.querySelector<HTMLButtonElement>('.cw-prev');
    const next = this.querySelector<HTMLButtonElement>('.cw-next');
    if (prev) prev.disabled = this.at === 0;
    if (next) next.disabled = this.at === notes.length - 1;
  }
}

if (!customElements.get('db-code-walkthrough')) customElements.define('db-code-walkthrough', DbCodeWalkthrough);
