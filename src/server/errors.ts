/**
 * Failures a route answers with: a catalogue name (src/protocol/errors.ts)
 * and its message. Routes throw them; the error handler (plugins/errors.ts)
 * is the one place that turns any error into a `{error, message}` answer.
 */
import { serverErrorMessage, type RateLimit, type ServerErrorArgs, type ServerErrorName } from '../protocol/errors.ts';

export class ApiFailure extends Error {
  readonly error: ServerErrorName;
  /** Sent as Retry-After and in the body. */
  readonly retryAfterSeconds: number | undefined;
  constructor(error: ServerErrorName, message: string, retryAfterSeconds?: number) {
    super(message);
    this.name = 'ApiFailure';
    this.error = error;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** An ApiFailure with the catalogue's message for `name`. */
export function failure<N extends ServerErrorName>(name: N, ...args: ServerErrorArgs<N>): ApiFailure {
  return new ApiFailure(name, serverErrorMessage(name, ...args));
}

/** RateLimited (429, Retry-After) with the catalogue's text for that limit. */
export function rateLimited(limit: RateLimit, seconds: number): ApiFailure {
  return new ApiFailure('RateLimited', serverErrorMessage('RateLimited', limit, seconds), seconds);
}

/** The first line of an error text, short enough for a learner-facing message. */
export function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').slice(0, 300);
}
