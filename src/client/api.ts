/**
 * The browser's HTTP client for Drillbook's JSON API (the sandbox panel, the
 * lab element, the workshop pages): same origin, the learner's or
 * instructor's cookie, never cached, a JSON body when given. An
 * answer is the parsed JSON body when the status is 2xx, or a failure with
 * the status and, when the server sent one, its error body (`{error,
 * message, retryAfterSeconds?}`, src/protocol/sandbox.ts); each caller words
 * what to tell the learner when the body says nothing.
 */
import type { ApiError } from '../protocol/sandbox.ts';

export type Answer<T> = { ok: true; value: T } | { ok: false; status: number; statusText: string; error: Partial<ApiError> };

/** `status` 0: the request never reached the server (offline, refused, aborted). `body`: sent as JSON. */
export async function request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<Answer<T>> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      cache: 'no-store',
      credentials: 'same-origin',
      headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch {
    return { ok: false, status: 0, statusText: '', error: {} };
  }
  let answer: unknown;
  try {
    answer = await res.json();
  } catch {
    answer = undefined;
  }
  if (res.ok && answer !== undefined) return { ok: true, value: answer as T };
  const err = (answer ?? {}) as Partial<ApiError>;
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

/** What to tell the user about a failed answer: the server's message, else what happened. */
export function failureText(a: Extract<Answer<unknown>, { ok: false }>): string {
  if (a.error.message) return a.error.message;
  return a.status === 0 ? 'The server could not be reached. Check your connection and try again.' : `The server answered ${a.status}.`;
}
