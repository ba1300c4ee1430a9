/**
 * The browser's HTTP client for Drillbook's JSON API (the sandbox panel and
 * the lab element): same origin, the learner's cookie, never cached. An
 * answer is the parsed JSON body when the status is 2xx, or a failure with
 * the status and, when the server sent one, its error body (`{error,
 * message, retryAfterSeconds?}`, src/protocol/sandbox.ts); each caller words
 * what to tell the learner when the body says nothing.
 */
import type { ApiError } from '../protocol/sandbox.ts';

export type Answer<T> = { ok: true; value: T } | { ok: false; status: number; statusText: string; error: Partial<ApiError> };

/** `status` 0: the request never reached the server (offline, refused, aborted). */
export async function request<T>(method: 'GET' | 'POST', url: string): Promise<Answer<T>> {
  let res: Response;
  try {
    res = await fetch(url, { method, cache: 'no-store', credentials: 'same-origin', headers: { accept: 'application/json' } });
  } catch {
    return { ok: false, status: 0, statusText: '', error: {} };
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (res.ok && body !== undefined) return { ok: true, value: body as T };
  const err = (body ?? {}) as Partial<ApiError>;
  return {
    ok: false,
    status: res.status,
    statusText: res.statusText,
    error: {
      ...(typeof err.error === 'string' ? { error: err.error } : {}),
      ...(typeof err.message === 'string' ? { message: err.message } : {}),
      ...(typeof err.retryAfterSeconds === 'number' ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
    },
  };
}
