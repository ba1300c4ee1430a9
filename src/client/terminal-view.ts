/**
 * The sandbox terminal on screen: xterm.js (loaded on first use) fitted to
 * its box, with the keys the browser should keep. It knows nothing of the
 * connection: the panel feeds it output and hands its keystrokes on.
 */
type Xterm = import('@xterm/xterm').Terminal;
type FitAddon = import('@xterm/addon-fit').FitAddon;

/** How long a screen shown again is redrawn (and kept to its newest output) while the browser and xterm settle it. */
const SETTLE_MS = 1000;

const YELLOW = '\x1b[33m';
const RESET = '\x1b[0m';

export interface ViewHandlers {
  /** Keystrokes and pastes, as bytes for the shell. */
  input(bytes: Uint8Array<ArrayBuffer>): void;
  /** The screen's size changed (after fitting). */
  resize(cols: number, rows: number): void;
}

export class TerminalView {
  private term: Xterm | undefined;
  private fit: FitAddon | undefined;
  private mounting: Promise<Xterm> | undefined;
  private readonly encoder = new TextEncoder();
  private readonly host: HTMLElement;
  private readonly handlers: ViewHandlers;
  /** Whether the box is shown (fitting a hidden box gives nonsense). */
  private readonly shown: () => boolean;
  /** The box was hidden at the last refit; `followed`: the screen showed the newest output when it was hidden. */
  private hidden = false;
  private followed = true;

  constructor(host: HTMLElement, handlers: ViewHandlers, shown: () => boolean) {
    this.host = host;
    this.handlers = handlers;
    this.shown = shown;
  }

  get size(): { cols: number; rows: number } | undefined {
    return this.term ? { cols: this.term.cols, rows: this.term.rows } : undefined;
  }

  mount(): Promise<Xterm> {
    this.mounting ??= (async () => {
      const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
      const term = new Terminal({
        cursorBlink: true,
        scrollback: 5000,
        fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace',
        fontSize: 13,
        theme: { background: '#0d1117', foreground: '#e6edf3', cursor: '#e6edf3' },
      });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(this.host);
      term.textarea?.setAttribute('aria-describedby', 'db-sandbox-info db-sandbox-hint');
      term.attachCustomKeyEventHandler((e) => this.key(e, term));
      term.onData((d) => this.handlers.input(this.encoder.encode(d)));
      term.onBinary((d) => this.handlers.input(Uint8Array.from(d, (c) => c.charCodeAt(0) & 0xff)));
      term.onResize(({ cols, rows }) => this.handlers.resize(cols, rows));
      this.term = term;
      this.fit = fit;
      new ResizeObserver(() => this.refit()).observe(this.host);
      this.refit();
      return term;
    })();
    return this.mounting;
  }

  refit(): void {
    const term = this.term;
    if (!this.fit || !term) return;
    const buffer = term.buffer.active;
    if (!this.shown()) {
      if (!this.hidden) this.followed = buffer.viewportY >= buffer.baseY;
      this.hidden = true;
      return;
    }
    const dims = this.fit.proposeDimensions();
    if (dims && dims.cols > 1 && dims.rows > 0) this.fit.fit();
    if (!this.hidden) return;
    this.hidden = false;
    // Shown again (a phone's Terminal tab): a hidden screen has no height, so xterm neither measured nor drew it
    // while output arrived (CI saw the screen stop at 'learner@san', the rest of the prompt written but never
    // drawn), and its scroll position went with it (the browser restores the shown viewport's scrollTop to 0,
    // which xterm reads, some frames later, as the learner scrolling to the top). For a moment, on every frame:
    // every row drawn again, and back to the newest output when that is where the learner was.
    const until = performance.now() + SETTLE_MS;
    const settle = () => {
      if (this.followed) term.scrollToBottom();
      term.refresh(0, term.rows - 1);
      if (performance.now() < until && !this.hidden) requestAnimationFrame(settle);
    };
    settle();
  }

  focus(): void {
    this.term?.focus();
  }

  /** Clears the screen (a reattach replays the shell's recent output, so nothing shows twice). */
  reset(): void {
    this.term?.reset();
  }

  /** Writes output; `done` runs once it is on screen (at once when there is no screen yet). */
  write(bytes: Uint8Array, done: () => void): void {
    if (this.term) this.term.write(bytes, done);
    else done();
  }

  /** A line from Drillbook (not the shell), in yellow on a line of its own. */
  say(text: string): void {
    this.term?.write(`\r\n${YELLOW}${text}${RESET}\r\n`);
  }

  /** Types text as a paste (bracketed when the shell asked for it), so nothing runs by itself. */
  paste(text: string): void {
    this.term?.paste(text);
  }

  /**
   * Keys the browser, not the shell, should have: Shift+Tab leaves the
   * terminal (Tab stays completion), Ctrl+Shift+C copies the selection,
   * Ctrl+Shift+V and Shift+Insert paste through the browser's paste event.
   */
  private key(e: KeyboardEvent, term: Xterm): boolean {
    if (e.type !== 'keydown') return true;
    if (e.key === 'Tab' && e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey) return false;
    if (e.ctrlKey && e.shiftKey && (e.key === 'C' || e.key === 'c')) {
      e.preventDefault();
      if (term.hasSelection()) void navigator.clipboard?.writeText(term.getSelection()).catch(() => undefined);
      return false;
    }
    if ((e.ctrlKey && e.shiftKey && (e.key === 'V' || e.key === 'v')) || (e.shiftKey && e.key === 'Insert')) return false;
    return true;
  }
}
