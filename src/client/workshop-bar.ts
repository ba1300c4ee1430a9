/**
 * The workshop bar, for learners in a workshop (GET api/me): the workshop and
 * the learner's name, the instructor's messages and "everyone to this page"
 * as banners (never modals; each can be dismissed), a visible notice while
 * the instructor watches the learner's terminal with a button to stop it,
 * the "let my instructor watch" setting, and a personal resume link. Live
 * over GET api/me/stream (server-sent events; the browser reconnects by
 * itself after a drop or a server restart). Everything shown is text
 * (textContent), never HTML.
 */
import type { LearnerMessage, Me, MyWorkshop } from '../protocol/workshops.ts';
import { load, save } from './store.ts';
import { pageRoute } from './events.ts';
import { request } from './api.ts';

type Msg = MyWorkshop['messages'][number];

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

class WorkshopBar {
  private base: string;
  private root = el('section', 'db-workshop');
  private title = el('p', 'db-workshop-title');
  private banners = el('div', 'db-workshop-banners');
  private watch = el('p', 'db-workshop-watching');
  private allow = el('input', 'db-workshop-allow');
  private resume = el('button', 'db-button db-workshop-resume', 'Link to continue on another device');
  private resumeOut = el('output', 'db-workshop-resume-url');
  private state: MyWorkshop | null = null;
  private seen = new Set<number>();

  constructor(base: string) {
    this.base = base;
    this.root.setAttribute('aria-label', 'Workshop');
    this.banners.setAttribute('role', 'status');
    this.banners.setAttribute('aria-live', 'polite');
    this.watch.hidden = true;
    this.watch.setAttribute('role', 'status');
    this.allow.type = 'checkbox';
    const label = el('label', 'db-workshop-allow-label');
    label.append(this.allow, ' Let my instructor watch my terminal');
    const tools = el('div', 'db-workshop-tools');
    tools.append(label, this.resume, this.resumeOut);
    this.root.append(this.title, this.watch, this.banners, tools);
    this.allow.addEventListener('change', () => void this.setAllowed(this.allow.checked));
    this.resume.addEventListener('click', () => void this.makeResumeLink());
    (document.querySelector('main') ?? document.body).prepend(this.root);
  }

  private api(path: string): string {
    return `${this.base}api/${path}`;
  }

  render(state: MyWorkshop | null): void {
    this.state = state;
    if (!state) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    this.root.dataset['state'] = state.state;
    this.title.textContent =
      state.state === 'ended'
        ? `The workshop "${state.title}" has ended. Your results from it are kept.`
        : `Workshop: ${state.title} · you are ${state.name}`;
    this.allow.checked = state.watchAllowed;
    this.allow.disabled = state.state === 'ended';
    this.showWatching(state.watched && state.watchAllowed);
    for (const m of state.messages) this.banner(m);
    const here = pageRoute();
    const locked = state.locks.some((l) => l.kind === 'lesson' && l.target === here);
    this.root.querySelector('.db-workshop-locked')?.remove();
    if (locked) {
      const p = el(
        'p',
        'db-workshop-banner db-workshop-locked',
        'Your instructor has just locked this lesson. It opens again when the class gets there.',
      );
      this.banners.prepend(p);
    }
  }

  private showWatching(on: boolean): void {
    this.watch.hidden = !on;
    this.watch.replaceChildren();
    if (!on) return;
    const stop = el('button', 'db-button', 'Stop watching');
    stop.addEventListener('click', () => void this.setAllowed(false));
    this.watch.append('👁 Your instructor is watching your terminal now. ', stop);
  }

  private dismissed(): number[] {
    return load<number[]>('workshop-dismissed', []);
  }

  banner(m: Msg): void {
    if (this.seen.has(m.id) || this.dismissed().includes(m.id)) return;
    this.seen.add(m.id);
    const p = el('p', `db-workshop-banner db-workshop-${m.kind}`);
    p.dataset['message'] = String(m.id);
    if (m.kind === 'goto') {
      const a = el('a', '', m.route ? this.lessonTitle(m.route) : 'the home page');
      a.href = `${this.base}${m.route ? `${m.route}/` : ''}`;
      p.append('Your instructor asks everyone to go to: ', a, m.text ? ` (${m.text})` : '');
    } else p.append('Message from your instructor: ', m.text);
    const close = el('button', 'db-workshop-dismiss', '✕');
    close.setAttribute('aria-label', 'Dismiss this message');
    close.addEventListener('click', () => {
      save('workshop-dismissed', [...this.dismissed(), m.id].slice(-200));
      p.remove();
    });
    p.append(' ', close);
    this.banners.prepend(p);
  }

  private lessonTitle(route: string): string {
    const link = document.querySelector<HTMLAnchorElement>(`nav a[href$="/${CSS.escape(route)}/"]`);
    return link?.textContent?.trim() || route;
  }

  private async setAllowed(allowed: boolean): Promise<void> {
    const a = await request<unknown>('POST', this.api('me/watch'), { allowed });
    if (a.ok && this.state) this.render({ ...this.state, watchAllowed: allowed, watched: allowed && this.state.watched });
  }

  private async makeResumeLink(): Promise<void> {
    const a = await request<{ url: string }>('POST', this.api('me/resume-link'));
    const body = a.ok ? a.value : undefined;
    this.resumeOut.textContent = body
      ? `Open this on your other device (keep it private): ${body.url}`
      : 'The link could not be made; try again.';
  }

  listen(): void {
    const es = new EventSource(this.api('me/stream'));
    es.addEventListener('message', (e: MessageEvent<string>) => {
      let msg: LearnerMessage;
      try {
        msg = JSON.parse(e.data) as LearnerMessage;
      } catch {
        return;
      }
      if (msg.type === 'state') this.render(msg.state);
      else if (msg.type === 'message') this.banner(msg);
      else if (msg.type === 'watch' && this.state) {
        this.state.watched = msg.watching;
        this.showWatching(msg.watching && this.state.watchAllowed);
      }
    });
  }
}

export async function startWorkshopBar(base: string): Promise<void> {
  const a = await request<Me>('GET', `${base}api/me`);
  const me = a.ok ? a.value : undefined;
  if (!me?.workshop) return;
  const bar = new WorkshopBar(base);
  bar.render(me.workshop);
  bar.listen();
}
