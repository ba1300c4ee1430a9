/**
 * GET api/health, asked once per page and shared by the sandbox panel and the
 * results queue. A failed request (a static host without that file, offline)
 * answers undefined: the page stays static.
 */
import type { Health } from '../protocol/sandbox.ts';

let asked: Promise<Partial<Health> | undefined> | undefined;

export function health(base: string): Promise<Partial<Health> | undefined> {
  asked ??= fetch(`${base}api/health`, { cache: 'no-store', headers: { accept: 'application/json' } })
    .then((r) => (r.ok ? (r.json() as Promise<Partial<Health>>) : undefined))
    .catch(() => undefined);
  return asked;
}
