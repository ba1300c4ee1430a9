/**
 * The one place that turns an error into an answer: every failure under
 * /api is `{error, message, retryAfterSeconds?}` with a catalogue name
 * (src/protocol/errors.ts), Fastify's own refusals (bad input, body too
 * large, wrong media type, headers too large) included. Routes throw; they
 * never build error bodies themselves.
 *
 * Route config `failure` names the catalogue entry for errors nobody
 * expected (a sandbox that could not start says so); without it such an
 * error is InternalError. Either way its text goes to the log, and only its
 * first line to the learner.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { LabError } from '../../labs/service.ts';
import { serverErrorMessage, SERVER_ERRORS, type ServerErrorBody, type ServerErrorName } from '../../protocol/errors.ts';
import { ResultsNotSavedError } from '../../store/db.ts';
import { WorkshopError } from '../../workshops/service.ts';
import { AtCapacityError, TooManySandboxesError, TooManyViewersError } from '../../sandbox/manager.ts';
import { ApiFailure, firstLine } from '../errors.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Catalogue entry for unexpected errors on this route (default InternalError). */
    failure?: 'SandboxStartFailed';
  }
}

/** Largest request body any route accepts (the API takes none larger than a lab id). */
export const BODY_LIMIT = 64 * 1024;

export interface ErrorPluginOptions {
  log?: ((line: string) => void) | undefined;
}

/** What the answer to `err` is: the catalogue name, message and retry hint. */
export function toFailure(err: unknown, req: FastifyRequest): { failure: ApiFailure; unexpected: boolean } {
  if (err instanceof ApiFailure) return { failure: err, unexpected: false };
  if (err instanceof AtCapacityError) {
    return {
      failure: new ApiFailure('AtCapacity', serverErrorMessage('AtCapacity', err.retryAfterSeconds), err.retryAfterSeconds),
      unexpected: false,
    };
  }
  if (err instanceof TooManySandboxesError) {
    return { failure: new ApiFailure('TooManySandboxes', serverErrorMessage('TooManySandboxes', err.count)), unexpected: false };
  }
  if (err instanceof TooManyViewersError) {
    return { failure: new ApiFailure('TooManyViewers', serverErrorMessage('TooManyViewers', err.max)), unexpected: false };
  }
  if (err instanceof ResultsNotSavedError) {
    return { failure: new ApiFailure('ResultsNotSaved', serverErrorMessage('ResultsNotSaved', firstLine(err.message))), unexpected: false };
  }
  if (err instanceof WorkshopError) {
    const a = err.arg;
    const message =
      err.kind === 'WorkshopFull'
        ? serverErrorMessage('WorkshopFull', Number(a))
        : err.kind === 'WorkshopNotFound' || err.kind === 'NotInWorkshop' || err.kind === 'LearnerNotFound'
          ? serverErrorMessage(err.kind)
          : serverErrorMessage(err.kind, String(a));
    return { failure: new ApiFailure(err.kind, message), unexpected: false };
  }
  if (err instanceof LabError) {
    return { failure: new ApiFailure(err.kind, err.message, err.retryAfterSeconds), unexpected: false };
  }
  const fe = err as Partial<FastifyError>;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issue = err.validation[0];
    const where = `${err.validationContext ?? 'request'}${issue?.instancePath ? issue.instancePath.replaceAll('/', '.') : ''}`;
    return {
      failure: new ApiFailure('BadRequest', serverErrorMessage('BadRequest', `${where}: ${issue?.message ?? 'invalid'}`)),
      unexpected: false,
    };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { failure: new ApiFailure('PayloadTooLarge', serverErrorMessage('PayloadTooLarge', BODY_LIMIT)), unexpected: false };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        failure: new ApiFailure('UnsupportedMediaType', serverErrorMessage('UnsupportedMediaType', String(req.headers['content-type']))),
        unexpected: false,
      };
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's other refusals of malformed requests (bad JSON, empty JSON body, bad URL).
    return {
      failure: new ApiFailure('BadRequest', serverErrorMessage('BadRequest', firstLine(fe.message ?? 'invalid'))),
      unexpected: false,
    };
  }
  const detail = err instanceof Error ? err.message : String(err);
  const name = req.routeOptions.config.failure ?? 'InternalError';
  const message =
    name === 'SandboxStartFailed' ? serverErrorMessage('SandboxStartFailed', firstLine(detail)) : serverErrorMessage('InternalError');
  return { failure: new ApiFailure(name, message), unexpected: true };
}

export function sendFailure(reply: FastifyReply, f: ApiFailure): FastifyReply {
  const body: ServerErrorBody = { error: f.error, message: f.message };
  if (f.retryAfterSeconds !== undefined) {
    body.retryAfterSeconds = f.retryAfterSeconds;
    void reply.header('retry-after', String(f.retryAfterSeconds));
  }
  return reply.code(SERVER_ERRORS[f.error].status).type('application/json; charset=utf-8').send(body);
}

/** The raw answer for a request Node refused before Fastify saw it (431 for oversized headers, else 400). */
export function clientErrorResponse(code: string | undefined): string {
  const name: ServerErrorName = code === 'HPE_HEADER_OVERFLOW' ? 'HeadersTooLarge' : 'BadRequest';
  const body = JSON.stringify({
    error: name,
    message: name === 'HeadersTooLarge' ? serverErrorMessage('HeadersTooLarge') : serverErrorMessage('BadRequest', 'malformed HTTP'),
  });
  const status = SERVER_ERRORS[name].status;
  const reason = name === 'HeadersTooLarge' ? 'Request Header Fields Too Large' : 'Bad Request';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

export default fp(
  async function errorPlugin(app: FastifyInstance, opts: ErrorPluginOptions) {
    app.setErrorHandler((err, req, reply) => {
      const { failure, unexpected } = toFailure(err, req);
      if (unexpected)
        opts.log?.(`${req.method} ${req.routeOptions.url ?? req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return sendFailure(reply, failure);
    });
  },
  { name: 'drillbook-errors' },
);
