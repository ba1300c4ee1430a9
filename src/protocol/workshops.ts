/**
 * Workshops on the wire: request bodies (zod, validated by the server) and
 * answers (types; the browser imports types only), the live class view's
 * rows and stream messages, the learner's stream, and the stuck rules the
 * live view shows (pure, shared so the page can re-evaluate "no activity"
 * as time passes).
 */
import { z } from 'zod';

export const DISPLAY_NAME_MAX = 40;
export const MESSAGE_MAX = 280;

/** A display name: 1-40 characters of text (no control characters), trimmed. */
export const DisplayName = z
  .string()
  .transform((s) => s.normalize('NFC').trim().replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(1, 'a display name is needed')
      .max(DISPLAY_NAME_MAX, `a display name has at most ${DISPLAY_NAME_MAX} characters`)
      .regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/u, 'a display name cannot hold control characters'),
  )
  .describe('How the learner is shown to the instructor (1-40 characters, unique in the workshop)');

export const JoinCode = z.string().min(1).max(20).describe('The join code, e.g. K7M-3QX (case and dashes do not matter)');

export const JoinBody = z.object({ code: JoinCode, name: DisplayName });

export const LessonRef = z.string().max(300).describe("A lesson's route or its last path segment");

export const CreateWorkshopBody = z
  .object({
    title: z.string().trim().min(1).max(120).describe('Shown to learners and on the live view'),
    seats: z.number().int().min(1).max(1000).describe('Most learners who may join'),
    lessons: z.array(LessonRef).max(200).default([]).describe('The lessons of the workshop ([]: every lesson)'),
    startsAt: z.iso.datetime({ offset: true }).optional().describe('Start (ISO 8601): sandboxes are pre-warmed before it'),
    endsAt: z.iso.datetime({ offset: true }).optional().describe('End (ISO 8601): the workshop ends by itself then'),
  })
  .refine((b) => !b.startsAt || !b.endsAt || Date.parse(b.endsAt) > Date.parse(b.startsAt), {
    message: 'endsAt must be after startsAt',
    path: ['endsAt'],
  });
export type CreateWorkshopBody = z.infer<typeof CreateWorkshopBody>;

export const LoginBody = z.object({
  name: z.string().trim().max(64).default('').describe('Instructor name (may be left empty when the server has one instructor)'),
  password: z.string().min(1).max(1000).describe('Password'),
});

export const LockBody = z.object({
  kind: z.enum(['lesson', 'lab']).describe('What is locked'),
  target: z.string().min(1).max(300).describe('Lesson route or lab id'),
  locked: z.boolean().describe('Lock (true) or open (false)'),
});

export const MessageBody = z
  .object({
    kind: z.enum(['message', 'goto']).describe('A short message, or "everyone to this page"'),
    text: z.string().trim().max(MESSAGE_MAX).default('').describe('The message (shown as text, never HTML)'),
    route: z.string().max(300).optional().describe('For goto: the lesson route'),
    learner: z.string().max(64).optional().describe('One learner (their id in the live view); everyone when absent'),
  })
  .refine((m) => (m.kind === 'goto' ? m.route !== undefined : m.text.length > 0), { message: 'a message needs text; goto needs a route' });

export const WatchBody = z.object({ allowed: z.boolean().describe('Whether the instructor may watch my terminal') });

/** A workshop as instructors see it. */
export interface WorkshopView {
  id: string;
  code: string;
  /** "K7M-3QX" */
  shownCode: string;
  title: string;
  seats: number;
  lessons: string[];
  startsAt: string | null;
  endsAt: string | null;
  createdAt: string;
  createdBy: string;
  endedAt: string | null;
  state: 'scheduled' | 'running' | 'ended';
  joinUrl: string;
  members: number;
}

export interface CreatedWorkshop {
  workshop: WorkshopView;
  /** Said at creation when the host cannot hold the seats: how many sandboxes it can. */
  capacity: { canHold: number; note: string | null };
}

/** One column of the live view. */
export type LiveColumn =
  | {
      type: 'quiz';
      id: string;
      lesson: string;
      title: string;
      questions: { text: string; options: string[]; correct: number[] }[];
    }
  | { type: 'lab'; id: string; lesson: string; title: string; checks: { id: string; title: string }[] };

export interface LiveLesson {
  route: string;
  title: string;
  labs: string[];
}

export interface LiveLabCell {
  started: boolean;
  /** Checks passed in the latest attempt, of how many. */
  passed: number;
  total: number;
  attempts: number;
  gaveUp: boolean;
  /** Per check: how many attempts in a row it failed (not yet), up to the latest. */
  failing: Record<string, number>;
}

export interface LiveRow {
  learner: string;
  name: string;
  joinedAt: string;
  /** Latest event, lab action or keystroke. */
  lastActivity: string;
  /** The lesson the learner last opened. */
  page: string | null;
  quizzes: Record<string, Record<string, { choice: number[]; correct: boolean }>>;
  labs: Record<string, LiveLabCell>;
  exercises: Record<string, { done: boolean; hints: number; solution: boolean }>;
  /** A sandbox limit being hit now (memory, processes, disk), or null. */
  limit: string | null;
  watchAllowed: boolean;
  /** Instructor(s) watching now. */
  watched: boolean;
  /** Several servers: the one holding the learner's sandbox (the watch connection asks the proxy for it), or null. */
  server: string | null;
}

export interface LiveSnapshot {
  workshop: WorkshopView;
  lessons: LiveLesson[];
  columns: LiveColumn[];
  locks: { kind: 'lesson' | 'lab'; target: string }[];
  rows: LiveRow[];
  /** Server time, so the page can age "last activity" by the server's clock. */
  now: string;
}

/** Stream messages of the live view (SSE `data:` lines, JSON). */
export type LiveMessage =
  | { type: 'snapshot'; snapshot: LiveSnapshot }
  | { type: 'row'; row: LiveRow; now: string; events: string[] }
  | { type: 'workshop'; workshop: WorkshopView; locks: LiveSnapshot['locks'] };

/** What a learner hears from their workshop (SSE). */
export type LearnerMessage =
  | { type: 'state'; state: MyWorkshop | null }
  | { type: 'message'; id: number; kind: 'message' | 'goto'; text: string; route: string | null; at: string }
  | { type: 'watch'; watching: boolean };

/** GET /api/me: the learner and their workshop. */
export interface MyWorkshop {
  id: string;
  title: string;
  code: string;
  name: string;
  state: 'scheduled' | 'running' | 'ended';
  lessons: string[];
  locks: { kind: 'lesson' | 'lab'; target: string }[];
  watchAllowed: boolean;
  watched: boolean;
  messages: { id: number; kind: 'message' | 'goto'; text: string; route: string | null; at: string }[];
}

export interface Me {
  /** Whether this server keeps results (it does whenever the page is served by drillbook up). */
  results: true;
  workshop: MyWorkshop | null;
}

export interface JoinAnswer {
  workshop: MyWorkshop;
  /** Opens this learner's progress on another device. */
  resumeUrl: string;
}

export { STUCK, stuckFlags, type StuckFlag } from './stuck.ts';
