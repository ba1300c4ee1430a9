/**
 * Where the sandbox panel sits while it is open. By default it docks at the
 * bottom of the page. On a page with a lab, so a learner can read a step
 * while typing it:
 * - on wide screens (64rem and more) it sits beside the instructions, on the
 *   right; its left edge is a separator that resizes it (pointer drag, or
 *   arrow keys, Home and End), and the width is remembered;
 * - on phones (below 48rem) the instructions and the terminal are two tabs
 *   of one screen (a tab list at the bottom, arrow keys move between them).
 * The chosen arrangement is `<html data-sandbox-layout="lab">`; CSS
 * (site.css) does the rest by screen width. DOM only, no connection logic.
 */
import { load, save } from './store.ts';

const WIDTH_KEY = 'sandbox-width';
const MIN_PX = 320;
/** The instructions keep at least this share of the screen. */
const MAX_SHARE = 0.7;
const STEP_PX = 32;

export class SandboxLayout {
  private readonly root: HTMLElement;
  private readonly separator: HTMLElement;
  private readonly tabs: HTMLElement;
  private readonly tabButtons: HTMLButtonElement[];
  /** Called when the terminal becomes visible again: it refits, and takes the focus when `focus`. */
  private readonly onTerminalShown: (focus: boolean) => void;

  constructor(root: HTMLElement, onTerminalShown: (focus: boolean) => void) {
    this.root = root;
    this.onTerminalShown = onTerminalShown;
    this.separator = root.querySelector<HTMLElement>('.sandbox-resize') as HTMLElement;
    this.tabs = root.querySelector<HTMLElement>('.sandbox-tabs') as HTMLElement;
    this.tabButtons = [...this.tabs.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    this.setupSeparator();
    this.setupTabs();
  }

  /** The panel opened: a lab page gets the lab arrangement, starting on the terminal tab. */
  opened(): void {
    if (!document.querySelector('db-lab')) return;
    document.documentElement.dataset['sandboxLayout'] = 'lab';
    this.separator.hidden = false;
    this.tabs.hidden = false;
    this.setWidth(load<number | null>(WIDTH_KEY, null) ?? Math.round(window.innerWidth * 0.42));
    this.select('terminal', false);
  }

  closed(): void {
    delete document.documentElement.dataset['sandboxLayout'];
    delete document.documentElement.dataset['sandboxTab'];
    this.separator.hidden = true;
    this.tabs.hidden = true;
  }

  /** Shows the terminal tab (on phones; a no-op elsewhere but for the state). */
  showTerminal(): void {
    if (document.documentElement.dataset['sandboxLayout'] === 'lab') this.select('terminal', false);
  }

  private setWidth(px: number): void {
    const max = Math.round(window.innerWidth * MAX_SHARE);
    const width = Math.max(MIN_PX, Math.min(max, Math.round(px)));
    document.documentElement.style.setProperty('--sandbox-width', `${width}px`);
    this.separator.setAttribute('aria-valuemin', String(MIN_PX));
    this.separator.setAttribute('aria-valuemax', String(max));
    this.separator.setAttribute('aria-valuenow', String(width));
    this.separator.setAttribute('aria-valuetext', `${width} pixels wide`);
    save(WIDTH_KEY, width);
  }

  private width(): number {
    return Number(this.separator.getAttribute('aria-valuenow')) || MIN_PX;
  }

  private setupSeparator(): void {
    this.separator.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      this.separator.setPointerCapture(e.pointerId);
      const move = (m: PointerEvent) => this.setWidth(window.innerWidth - m.clientX);
      const up = () => {
        this.separator.removeEventListener('pointermove', move);
        this.separator.removeEventListener('pointerup', up);
        this.separator.removeEventListener('pointercancel', up);
      };
      this.separator.addEventListener('pointermove', move);
      this.separator.addEventListener('pointerup', up);
      this.separator.addEventListener('pointercancel', up);
    });
    this.separator.addEventListener('keydown', (e) => {
      // The separator sits on the terminal's left edge: moving it left widens the terminal.
      const by: Record<string, () => number> = {
        ArrowLeft: () => this.width() + STEP_PX,
        ArrowRight: () => this.width() - STEP_PX,
        Home: () => window.innerWidth * MAX_SHARE,
        End: () => MIN_PX,
      };
      const next = by[e.key];
      if (!next) return;
      e.preventDefault();
      this.setWidth(next());
    });
  }

  private setupTabs(): void {
    this.tabButtons.forEach((tab, i) => {
      tab.addEventListener('click', () => this.select(i === 0 ? 'page' : 'terminal', i === 1));
      tab.addEventListener('keydown', (e) => {
        if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
        e.preventDefault();
        const other = this.tabButtons[1 - i] as HTMLButtonElement;
        this.select(i === 0 ? 'terminal' : 'page', false);
        other.focus();
      });
    });
  }

  /** Shows one tab; `focusTerminal`: a click on the Terminal tab puts the keyboard in the terminal. */
  private select(which: 'page' | 'terminal', focusTerminal: boolean): void {
    document.documentElement.dataset['sandboxTab'] = which;
    this.tabButtons.forEach((tab, i) => {
      const selected = (i === 0) === (which === 'page');
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    });
    // The terminal was hidden: it fits itself to its box again once shown.
    if (which === 'terminal') requestAnimationFrame(() => this.onTerminalShown(focusTerminal));
  }
}
