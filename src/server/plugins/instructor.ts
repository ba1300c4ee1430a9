/**
 * Instructor sessions and workshop membership on every request:
 * - `req.instructor`: the instructor named by a signed, HttpOnly,
 *   SameSite=Strict cookie (`drillbook_instructor`, "name.expiry"), or ''.
 *   Signed in with a password (POST /api/instructor/login, rate-limited) or a
 *   one-time link; 12 hours.
 * - `req.workshop`: the running workshop the learner (cookie) is in, or null.
 *   Sandboxes of workshop members count against the workshop's seats, not
 *   the per-address cap (starts.ts ownerOf).
 * State-changing routes are protected from other sites by the Origin check
 * (guards.ts) and SameSite=Strict cookies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { WorkshopService } from '../../workshops/service.ts';
import { failure } from '../errors.ts';
import { LEARNER_COOKIE } from './identity.ts';

export const INSTRUCTOR_COOKIE = 'drillbook_instructor';
const SESSION_MS = 12 * 3600 * 1000;

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in instructor's name, or ''. */
    instructor: string;
    /** The running workshop this learner is in, or null. */
    workshop: string | null;
  }
}

/** Signs an instructor in on this reply. */
export function setInstructor(req: FastifyRequest, reply: FastifyReply, name: string): void {
  void reply.setCookie(INSTRUCTOR_COOKIE, `${name}.${Date.now() + SESSION_MS}`, {
    signed: true,
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: req.protocol === 'https',
    maxAge: SESSION_MS / 1000,
  });
}

export function clearInstructor(reply: FastifyReply): void {
  void reply.clearCookie(INSTRUCTOR_COOKIE, { path: '/' });
}

/** The instructor of this request, or a 401 InstructorOnly. */
export function instructorOf(req: FastifyRequest): string {
  if (!req.instructor) throw failure('InstructorOnly');
  return req.instructor;
}

/** The learner id in the request's cookie, '' when none (for routes without a learner config). */
export function cookieLearner(req: FastifyRequest): string {
  const raw = req.cookies[LEARNER_COOKIE];
  if (!raw) return '';
  const u = req.unsignCookie(raw);
  return u.valid && u.value ? u.value : '';
}

export default fp(
  async function instructor(app: FastifyInstance, opts: { workshops: WorkshopService | null }) {
    app.decorateRequest('instructor', '');
    app.decorateRequest('workshop', null);
    app.addHook('onRequest', async (req) => {
      const raw = req.cookies[INSTRUCTOR_COOKIE];
      if (raw) {
        const u = req.unsignCookie(raw);
        const m = u.valid && u.value ? /^(.+)\.(\d+)$/.exec(u.value) : null;
        if (m && Number(m[2]) > Date.now()) req.instructor = m[1]!;
      }
      if (req.learner && opts.workshops) req.workshop = opts.workshops.workshopOf(req.learner);
    });
  },
  { name: 'drillbook-instructor', dependencies: ['drillbook-identity'] },
);
