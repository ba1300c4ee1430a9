/**
 * Instructor sessions and workshop membership on every request:
 * - `req.instructor`: the instructor of a session the server keeps
 *   (store.workshops instructor_sessions), named by a signed, HttpOnly,
 *   SameSite=Strict cookie (`drillbook_instructor`, the session's token), or
 *   ''. Signed in with a password (POST /api/instructor/login,
 *   rate-limited), a one-time link or an LMS launch; 12 hours. Looked up on
 *   every request, so signing out ends the session for every copy of the
 *   cookie, and a password session ends as soon as its instructor is no
 *   longer listed (DRILLBOOK_INSTRUCTOR_PASSWORD; serve.ts also ends every
 *   session of an instructor taken off the list at start).
 * - `req.workshop`: the running workshop the learner (cookie) is in, or null.
 *   Sandboxes of workshop members count against the workshop's seats, not
 *   the per-address cap (starts.ts ownerOf).
 * State-changing routes are protected from other sites by the Origin check
 * (guards.ts) and SameSite=Strict cookies.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { SessionVia } from '../../store/workshops.ts';
import type { Instructors } from '../../workshops/instructors.ts';
import type { WorkshopService } from '../../workshops/service.ts';
import { failure } from '../errors.ts';
import { LEARNER_COOKIE } from './identity.ts';

export const INSTRUCTOR_COOKIE = 'drillbook_instructor';
const SESSION_MS = 12 * 3600 * 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Where instructor sessions are kept (null without workshops: nobody signs in). */
    instructorSessions: WorkshopService | null;
  }
  interface FastifyRequest {
    /** The signed-in instructor's name, or ''. */
    instructor: string;
    /** The running workshop this learner is in, or null. */
    workshop: string | null;
  }
}

/** Signs an instructor in on this reply: a new session kept by the server, its token in the cookie. */
export async function setInstructor(req: FastifyRequest, reply: FastifyReply, name: string, via: SessionVia): Promise<void> {
  const sessions = req.server.instructorSessions;
  if (!sessions) throw failure('InstructorOnly');
  const token = await sessions.createInstructorSession(name, via, SESSION_MS);
  void reply.setCookie(INSTRUCTOR_COOKIE, token, {
    signed: true,
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: req.protocol === 'https',
    maxAge: SESSION_MS / 1000,
  });
}

/** Signs out: the session ends on the server (every copy of the cookie), and the cookie is cleared. */
export async function clearInstructor(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const token = sessionToken(req);
  if (token) await req.server.instructorSessions?.endInstructorSession(token);
  void reply.clearCookie(INSTRUCTOR_COOKIE, { path: '/' });
}

function sessionToken(req: FastifyRequest): string {
  const raw = req.cookies[INSTRUCTOR_COOKIE];
  if (!raw) return '';
  const u = req.unsignCookie(raw);
  return u.valid && u.value ? u.value : '';
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
  async function instructor(
    app: FastifyInstance,
    opts: { workshops: WorkshopService | null; instructors: Instructors | null; log?: ((line: string) => void) | undefined },
  ) {
    app.decorate('instructorSessions', opts.workshops);
    app.decorateRequest('instructor', '');
    app.decorateRequest('workshop', null);
    app.addHook('onRequest', async (req) => {
      const token = sessionToken(req);
      if (token && opts.workshops) {
        try {
          const s = await opts.workshops.instructorSession(token);
          // A password session lasts only while its instructor is listed; links and LMS launches are
          // grants of their own (ended by signing out, or at start when the name is taken off the list).
          if (s && (s.via !== 'password' || opts.instructors?.has(s.instructor))) req.instructor = s.instructor;
        } catch (e) {
          // The store cannot be read: nobody is signed in (the answer is InstructorOnly, never a 5xx).
          opts.log?.(`instructor session: ${(e as Error).message}`);
        }
      }
      if (req.learner && opts.workshops) req.workshop = opts.workshops.workshopOf(req.learner);
    });
  },
  { name: 'drillbook-instructor', dependencies: ['drillbook-identity'] },
);
