/**
 * The reader's local state (answers, notes, progress, theme) in localStorage,
 * under `drillbook:` keys. Storage can be unavailable (private mode, quota):
 * then reads return the fallback and writes are dropped, never thrown.
 */
const PREFIX = 'drillbook:';

export function load<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(PREFIX + key);
    return raw === null ? fallback : (JSON.parse(raw) as T);
  } catch {
    return fallback;
  }
}

export function save(key: string, value: unknown): void {
  try {
    localStorage.setItem(PREFIX + key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the page keeps working without memory.
  }
}

export function remove(key: string): void {
  try {
    localStorage.removeItem(PREFIX + key);
  } catch {
    // As above.
  }
}

/** Progress of one block: a quiz answered right, an exercise marked done. */
export interface BlockProgress {
  done: boolean;
}

export const PROGRESS_EVENT = 'drillbook:progress';

export function setProgress(blockId: string, done: boolean): void {
  save(`progress:${blockId}`, { done } satisfies BlockProgress);
  document.dispatchEvent(new CustomEvent(PROGRESS_EVENT, { detail: { blockId, done } }));
}

export function getProgress(blockId: string): boolean {
  return load<BlockProgress>(`progress:${blockId}`, { done: false }).done;
}

/** Forgets every answer, note and progress mark (the theme choice stays). */
export function resetAll(): void {
  try {
    for (const k of Object.keys(localStorage)) if (k.startsWith(PREFIX) && k !== `${PREFIX}theme`) localStorage.removeItem(k);
  } catch {
    // As above.
  }
  document.dispatchEvent(new CustomEvent(PROGRESS_EVENT, { detail: { reset: true } }));
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` once when `el` comes within `margin` of the viewport. */
export function whenNear(el: Element, fn: () => void, margin = '600px'): void {
  const io = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        io.disconnect();
        fn();
      }
    },
    { rootMargin: margin },
  );
  io.observe(el);
}
