/**
 * The site shell, on every page (kept small: see `./drillbook bench pages`):
 * theme toggle (remembered; the system setting until chosen), progress marks
 * in the sidebar and lesson lists, folding sections of the lesson list (the
 * current page scrolled into view), the phone's lesson-list toggle, "Reset
 * progress", copy buttons on code blocks, search (Pagefind, loaded when the
 * search box is first used), and printing everything a reader could open.
 */
import { copyText, getProgress, load, PROGRESS_EVENT, resetAll, save } from './store.ts';

type Theme = 'light' | 'dark';

function systemTheme(): Theme {
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function applyTheme(theme: Theme | null): void {
  if (theme) document.documentElement.dataset['theme'] = theme;
  else delete document.documentElement.dataset['theme'];
  const btn = document.querySelector<HTMLButtonElement>('.theme-toggle');
  const now = theme ?? systemTheme();
  if (btn) {
    btn.setAttribute('aria-pressed', String(now === 'dark'));
    btn.textContent = now === 'dark' ? '☾ Dark' : '☀ Light';
  }
  document.dispatchEvent(new CustomEvent('drillbook:theme', { detail: { theme: now } }));
}

function setupTheme(): void {
  applyTheme(load<Theme | null>('theme', null));
  document.querySelector('.theme-toggle')?.addEventListener('click', () => {
    const next: Theme = (document.documentElement.dataset['theme'] ?? systemTheme()) === 'dark' ? 'light' : 'dark';
    save('theme', next);
    applyTheme(next);
  });
}

/**
 * Marks each lesson link with how much of it is done: a visible ✓ or "1/3"
 * (hidden from screen readers) and, in the link's accessible name, the same
 * in words, quizzes and exercises counted apart: "(1 of 3 done: quizzes 1
 * of 2 right, exercises 0 of 1 done)". Nothing while nothing is done.
 */
function showProgress(): void {
  const ids = (s: string | undefined) => (s ?? '').split(' ').filter(Boolean);
  for (const el of document.querySelectorAll<HTMLElement>('[data-progress-quizzes]')) {
    const quizzes = ids(el.dataset['progressQuizzes']);
    const exercises = ids(el.dataset['progressExercises']);
    const total = quizzes.length + exercises.length;
    const right = quizzes.filter(getProgress).length;
    const finished = exercises.filter(getProgress).length;
    const done = right + finished;
    const mark = el.querySelector<HTMLElement>('.progress-mark');
    const status = el.querySelector<HTMLElement>('.progress-status');
    if (!mark || !status || total === 0) continue;
    mark.textContent = done === total ? '✓' : done > 0 ? `${done}/${total}` : '';
    const parts = [
      ...(quizzes.length > 0 ? [`quizzes ${right} of ${quizzes.length} right`] : []),
      ...(exercises.length > 0 ? [`exercises ${finished} of ${exercises.length} done`] : []),
    ];
    status.textContent = done === 0 ? '' : ` (${done} of ${total} done: ${parts.join(', ')})`;
    el.dataset['progress'] = done === total ? 'done' : done > 0 ? 'started' : 'none';
  }
}

/**
 * A copy button on each code block. Its name is "Copy code"; what happened
 * ("Code copied", "Copy failed") shows on the button for a moment and is
 * announced in one status region, since a changing button name is not.
 */
function setupCopyButtons(): void {
  // Not in a code walkthrough (it has its own), nor where the author asked for none (`.no-copy`).
  const pres = [...document.querySelectorAll<HTMLPreElement>('.lesson pre.shiki:not([data-no-copy])')].filter(
    (pre) => !pre.closest('.cw-code'),
  );
  if (pres.length === 0) return;
  const status = Object.assign(document.createElement('p'), { className: 'copy-status visually-hidden' });
  status.setAttribute('role', 'status');
  document.body.append(status);
  const idle = (btn: HTMLButtonElement) => {
    btn.textContent = 'Copy';
    btn.append(Object.assign(document.createElement('span'), { className: 'visually-hidden', textContent: ' code' }));
  };
  for (const pre of pres) {
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'copy-code';
    idle(btn);
    btn.addEventListener('click', async () => {
      const ok = await copyText(pre.textContent ?? '');
      btn.textContent = ok ? 'Copied' : 'Copy failed';
      // Emptied first, so the same message twice is announced twice.
      status.textContent = '';
      setTimeout(() => (status.textContent = ok ? 'Code copied' : 'Copy failed: select the code and copy it by hand'), 50);
      setTimeout(() => idle(btn), 1500);
    });
    const wrap = document.createElement('div');
    wrap.className = 'code-wrap';
    pre.replaceWith(wrap);
    wrap.append(pre, btn);
  }
}

interface PagefindResult {
  data: () => Promise<{ url: string; excerpt: string; meta: { title?: string } }>;
}
interface Pagefind {
  search: (q: string) => Promise<{ results: PagefindResult[] }>;
}

/**
 * Search as you type. The number of results is announced in a polite status
 * region; Escape closes the results (from the box or from a result, which
 * hands focus back to the box), and so does a click outside them. Pagefind
 * is imported on the first query; a failed import (offline, say) is
 * forgotten, so the next query tries again.
 */
function setupSearch(): void {
  const input = document.querySelector<HTMLInputElement>('#site-search');
  const out = document.querySelector<HTMLElement>('#site-search-results');
  const status = document.querySelector<HTMLElement>('#site-search-status');
  if (!input || !out) return;
  let pagefind: Promise<Pagefind> | undefined;
  let seq = 0;
  const base = document.documentElement.dataset['base'] ?? '/';
  const say = (text: string) => {
    if (status) status.textContent = text;
  };
  const close = () => {
    out.replaceChildren();
    out.hidden = true;
    say('');
  };
  const item = (text: string) => Object.assign(document.createElement('li'), { textContent: text });
  input.addEventListener('input', async () => {
    const q = input.value.trim();
    const mine = ++seq;
    if (q === '') {
      close();
      return;
    }
    try {
      pagefind ??= import(/* @vite-ignore */ `${base}pagefind/pagefind.js`) as Promise<Pagefind>;
      const res = await (await pagefind).search(q);
      const data = await Promise.all(res.results.slice(0, 8).map((r) => r.data()));
      if (mine !== seq) return;
      out.replaceChildren(
        ...(data.length === 0
          ? [item(`No results for “${q}”`)]
          : data.map((d) => {
              const li = document.createElement('li');
              const a = Object.assign(document.createElement('a'), { href: d.url, textContent: d.meta.title ?? d.url });
              const p = document.createElement('p');
              p.innerHTML = d.excerpt; // Pagefind's excerpt: escaped text with <mark> around matches.
              li.append(a, p);
              return li;
            })),
      );
      const n = res.results.length;
      say(
        n === 0
          ? `No results for “${q}”`
          : `${n} result${n === 1 ? '' : 's'} for “${q}”${n > data.length ? `, the first ${data.length} shown` : ''}`,
      );
    } catch {
      if (mine !== seq) return;
      pagefind = undefined;
      const text = 'Search could not be loaded (no search index, or no connection). Type again to retry.';
      out.replaceChildren(item(text));
      say(text);
    }
    out.hidden = false;
  });
  const escape = (e: KeyboardEvent) => {
    if (e.key !== 'Escape' || out.hidden) return;
    e.preventDefault();
    close();
    input.focus();
  };
  input.addEventListener('keydown', escape);
  out.addEventListener('keydown', escape);
  // The results float over the page: a click elsewhere puts them away.
  document.addEventListener('pointerdown', (e) => {
    if (!out.hidden && !(e.target instanceof Node && input.parentElement?.contains(e.target))) close();
  });
}

/**
 * Sections of the lesson list fold (Sidebar.astro opens the one holding the
 * current page); the current page's link is scrolled into view inside the
 * sidebar, never moving the page itself.
 */
function setupNavSections(): void {
  for (const btn of document.querySelectorAll<HTMLButtonElement>('.nav-section-toggle')) {
    btn.addEventListener('click', () => {
      const open = btn.getAttribute('aria-expanded') !== 'true';
      btn.setAttribute('aria-expanded', String(open));
      btn.closest('.nav-section')?.toggleAttribute('data-open', open);
    });
  }
  const nav = document.querySelector<HTMLElement>('.sidebar');
  const here = nav?.querySelector<HTMLElement>('a[aria-current="page"]');
  if (!nav || !here || nav.scrollHeight <= nav.clientHeight) return;
  const offset = here.getBoundingClientRect().top - nav.getBoundingClientRect().top;
  if (offset < 0 || offset + here.getBoundingClientRect().height > nav.clientHeight - 8) nav.scrollTop += offset - nav.clientHeight / 3;
}

/** The phone's lesson-list disclosure (the button shows only on narrow screens). */
function setupNavToggle(): void {
  const nav = document.querySelector<HTMLElement>('.sidebar');
  const btn = nav?.querySelector<HTMLButtonElement>('.nav-toggle');
  btn?.addEventListener('click', () => {
    const open = btn.getAttribute('aria-expanded') !== 'true';
    btn.setAttribute('aria-expanded', String(open));
    nav?.toggleAttribute('data-open', open);
  });
}

function setupReset(): void {
  for (const btn of document.querySelectorAll<HTMLButtonElement>('.progress-reset')) {
    btn.addEventListener('click', () => {
      if (window.confirm('Forget all your answers, notes and progress on this site?')) {
        resetAll();
        window.location.reload();
      }
    });
  }
}

/**
 * A print shows what a reader could open on screen: every closed <details>
 * (hints, answers, solutions, collapsible admonitions) is opened for the
 * print and closed again afterwards. site.css shows the hints not yet
 * revealed and leaves out the controls.
 */
function setupPrint(): void {
  let opened: HTMLDetailsElement[] = [];
  window.addEventListener('beforeprint', () => {
    opened = [...document.querySelectorAll<HTMLDetailsElement>('details:not([open])')];
    for (const d of opened) d.open = true;
  });
  window.addEventListener('afterprint', () => {
    for (const d of opened) d.open = false;
    opened = [];
  });
}

/**
 * A link to a place inside a content tab that is not shown (a heading in the
 * page's contents, a search result) shows that tab, and the tabs around it,
 * first, then scrolls to the place.
 */
function setupTabTargets(): void {
  const reveal = () => {
    const id = decodeURIComponent(location.hash.slice(1));
    const target = id ? document.getElementById(id) : null;
    let block: Element | null | undefined = target?.closest('.tabbed-block');
    if (!target || !block) return;
    while (block) {
      const panels: HTMLElement | null = block.parentElement;
      const set: HTMLElement | null | undefined = panels?.parentElement;
      const index = [...(panels?.children ?? [])].indexOf(block);
      const input = set?.querySelectorAll<HTMLInputElement>(':scope > .tabbed-input')[index];
      if (input) input.checked = true;
      block = set?.parentElement?.closest('.tabbed-block');
    }
    target.scrollIntoView();
  };
  window.addEventListener('hashchange', reveal);
  reveal();
}

setupTheme();
showProgress();
document.addEventListener(PROGRESS_EVENT, showProgress);
setupCopyButtons();
setupSearch();
setupReset();
setupPrint();
setupNavToggle();
setupNavSections();
setupTabTargets();
