/**
 * <db-terminal>: replays a recorded session in xterm.js, loaded only when the
 * block comes near the viewport. The command is typed out, then its output
 * printed, with the step's narration beside the screen. Play/pause, step
 * back and forward, restart, speed 0.5x-4x, copy the step's command or type
 * it into the learner's sandbox ("Run in my sandbox", shown when the server
 * offers sandbox mode).
 * Keys while the player has focus: Space/K play-pause, →/L next, ←/J back,
 * R restart (back to the start, paused), +/- speed. With prefers-reduced-motion, steps appear whole,
 * without typing. Pausing keeps what has been typed; Play goes on from
 * there. The static transcript stays for screen readers, visually hidden
 * and out of the tab order (its screens are focusable only while they are
 * what the reader sees, for scrolling wide output).
 */
import { runInSandbox } from '../../client/run-in-sandbox.ts';
import { copyText, whenNear } from '../../client/store.ts';
import { commandText, outputText, PROMPT, SPEEDS, stepText, type ReplayStep } from './replay.ts';

type Xterm = import('@xterm/xterm').Terminal;

const TYPE_MS = 35;
const PAUSE_MS = 1400;

class DbTerminal extends HTMLElement {
  private steps: ReplayStep[] = [];
  private term: Xterm | undefined;
  /** Index of the last step shown (-1: none yet). */
  private at = -1;
  private playing = false;
  /** Bumped to cancel a running animation. */
  private run = 0;
  /** Characters of the next step's command already on screen (a replay paused mid-command). */
  private typed = 0;
  private speed = 1;
  private reduced = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  private mounted!: () => void;
  /** Resolves once xterm is on screen (it loads when the block comes near). */
  private ready = new Promise<void>((ok) => (this.mounted = ok));

  connectedCallback(): void {
    this.steps = JSON.parse(this.querySelector('script.db-data')?.textContent ?? '[]') as ReplayStep[];
    const player = this.querySelector<HTMLElement>('.term-player');
    if (!player || this.steps.length === 0) return;
    for (const screen of this.querySelectorAll('.term-screen')) screen.removeAttribute('tabindex');
    this.on('.term-play', () => (this.playing ? this.pause() : void this.play()));
    this.on('.term-forward', () => void this.show(this.at + 1));
    this.on('.term-back', () => void this.show(this.at - 1));
    this.on('.term-restart', () => this.restart());
    this.on('.term-copy', () => void this.copy());
    this.on('.term-run', () => {
      const step = this.steps[Math.max(0, this.at)];
      if (step) runInSandbox(step.command);
    });
    this.querySelector<HTMLSelectElement>('.term-speed')?.addEventListener('change', (e) => {
      this.speed = Number((e.target as HTMLSelectElement).value);
    });
    player.addEventListener('keydown', (e) => this.key(e));
    this.updateUi();
    whenNear(this, () => void this.mount());
  }

  private on(sel: string, fn: () => void): void {
    this.querySelector(sel)?.addEventListener('click', fn);
  }

  private async mount(): Promise<void> {
    const [{ Terminal }, { FitAddon }] = await Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit')]);
    const host = this.querySelector<HTMLElement>('.term-xterm');
    if (!host) return;
    const rows = Number(getComputedStyle(this.querySelector('.term-player') as Element).getPropertyValue('--rows')) || 12;
    const term = new Terminal({
      rows,
      disableStdin: true,
      cursorBlink: false,
      convertEol: false,
      fontFamily: 'ui-monospace, "DejaVu Sans Mono", Menlo, monospace',
      fontSize: 13,
      theme: { background: '#0d1117', foreground: '#e6edf3' },
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    const resize = () => {
      const dims = fit.proposeDimensions();
      if (dims && dims.cols > 0) term.resize(dims.cols, rows);
    };
    resize();
    new ResizeObserver(resize).observe(host);
    this.term = term;
    this.dataset['ready'] = 'true';
    this.redraw();
    this.mounted();
  }

  /** Shows steps 0..i whole, at once. */
  private async show(i: number): Promise<void> {
    this.pause();
    this.at = Math.max(-1, Math.min(this.steps.length - 1, i));
    this.redraw();
  }

  private redraw(): void {
    this.typed = 0;
    const t = this.term;
    if (t) {
      t.reset();
      t.write(
        this.steps
          .slice(0, this.at + 1)
          .map(stepText)
          .join('') + (this.at < this.steps.length - 1 ? PROMPT : ''),
      );
    }
    this.updateUi();
  }

  private async play(): Promise<void> {
    await this.ready;
    if (this.playing) return;
    if (this.at >= this.steps.length - 1) {
      this.at = -1;
      this.redraw();
    }
    this.playing = true;
    const run = ++this.run;
    this.updateUi();
    while (this.playing && run === this.run && this.at < this.steps.length - 1) {
      const step = this.steps[this.at + 1] as ReplayStep;
      if (!(await this.typeStep(step, run)) || run !== this.run) return;
      this.at++;
      this.updateUi();
      if (this.at < this.steps.length - 1) await this.sleep(PAUSE_MS, run);
    }
    if (run === this.run) {
      this.playing = false;
      this.updateUi();
    }
  }

  /** Types the rest of `step` (from `typed` on), then prints its output; false if cancelled first. */
  private async typeStep(step: ReplayStep, run: number): Promise<boolean> {
    const t = this.term;
    if (!t) return false;
    const chars = [...commandText(step.command)];
    if (this.reduced) {
      t.write(chars.slice(this.typed).join(''));
      this.typed = chars.length;
    }
    while (this.typed < chars.length) {
      if (run !== this.run) return false;
      t.write(chars[this.typed] as string);
      this.typed++;
      await this.sleep(TYPE_MS, run);
    }
    if (run !== this.run) return false;
    t.write(`\r\n${outputText(step.output)}`);
    if (this.at + 2 < this.steps.length) t.write(PROMPT);
    this.typed = 0;
    return true;
  }

  private sleep(ms: number, run: number): Promise<void> {
    return new Promise((ok) => setTimeout(ok, run === this.run ? ms / this.speed : 0));
  }

  private pause(): void {
    if (!this.playing) return;
    this.playing = false;
    this.run++;
    // What was typed stays on screen (`typed` counts it); Play goes on from there.
    this.updateUi();
  }

  /** Back to before the first step; the reader presses Play when ready (Restart never plays by itself). */
  private restart(): void {
    this.pause();
    this.at = -1;
    this.redraw();
  }

  private async copy(): Promise<void> {
    const step = this.steps[Math.max(0, this.at)];
    const ok = step ? await copyText(step.command) : false;
    const pos = this.querySelector('.term-position');
    if (pos) pos.textContent = ok ? 'Command copied' : 'Copy failed';
  }

  private key(e: KeyboardEvent): void {
    if (e.target instanceof HTMLSelectElement || e.ctrlKey || e.metaKey || e.altKey) return;
    if ((e.key === ' ' || e.key === 'Enter') && e.target instanceof HTMLButtonElement) return;
    const k = e.key.toLowerCase();
    const act: Record<string, () => void> = {
      ' ': () => (this.playing ? this.pause() : void this.play()),
      k: () => (this.playing ? this.pause() : void this.play()),
      arrowright: () => void this.show(this.at + 1),
      l: () => void this.show(this.at + 1),
      arrowleft: () => void this.show(this.at - 1),
      j: () => void this.show(this.at - 1),
      r: () => this.restart(),
      '+': () => this.changeSpeed(1),
      '=': () => this.changeSpeed(1),
      '-': () => this.changeSpeed(-1),
    };
    const f = act[k];
    if (f) {
      e.preventDefault();
      f();
    }
  }

  private changeSpeed(dir: number): void {
    const i = SPEEDS.indexOf(this.speed as (typeof SPEEDS)[number]);
    this.speed = SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, i + dir))] ?? 1;
    const sel = this.querySelector<HTMLSelectElement>('.term-speed');
    if (sel) sel.value = String(this.speed);
  }

  private updateUi(): void {
    const play = this.querySelector<HTMLButtonElement>('.term-play');
    if (play) {
      play.toggleAttribute('data-playing', this.playing);
      const text = play.querySelector('.term-play-text');
      if (text) text.textContent = this.playing ? 'Pause' : 'Play';
      play.setAttribute('aria-label', this.playing ? 'Pause (Space)' : 'Play (Space)');
    }
    const back = this.querySelector<HTMLButtonElement>('.term-back');
    const fwd = this.querySelector<HTMLButtonElement>('.term-forward');
    const focused = document.activeElement;
    if (back) back.disabled = this.at < 0;
    if (fwd) fwd.disabled = this.at >= this.steps.length - 1;
    // A button disabled under the keyboard would drop focus to the page: the player keeps it.
    if ((focused === back && back?.disabled) || (focused === fwd && fwd?.disabled))
      this.querySelector<HTMLElement>('.term-player')?.focus();
    const pos = this.querySelector('.term-position');
    const where = this.at < 0 ? `${this.steps.length} steps` : `Step ${this.at + 1} of ${this.steps.length}`;
    if (pos && pos.textContent?.trim() !== where) pos.textContent = where;
    const now = this.querySelector<HTMLElement>('.term-now');
    if (now) {
      const n = this.querySelector(`.term-step[data-step="${this.at}"] .term-narration`);
      now.innerHTML = n ? n.innerHTML : '';
    }
    this.dataset['step'] = String(this.at);
  }
}

if (!customElements.get('db-terminal')) customElements.define('db-terminal', DbTerminal);
