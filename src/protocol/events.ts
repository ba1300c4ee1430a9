/**
 * What a page reports to the results store (POST /api/events), shared by the
 * browser (types only) and the server (which validates with these schemas).
 *
 * The page gives every event an id of its own and keeps it in a local queue
 * until the server acknowledges it; the server acknowledges an id only after
 * the event is committed, and an id sent again is acknowledged without being
 * stored twice. Lab checks, starts and give-ups are not sent: the server runs
 * them and records them itself.
 */
import { z } from 'zod';
import type { ServerErrorName } from './errors.ts';

const eventId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{8,64}$/)
  .describe("The page's id for this event (8-64 letters, digits, _ or -); the same id sent again is the same event");
const common = {
  id: eventId,
  at: z.iso.datetime({ offset: true }).describe('When it happened, by the browser clock (ISO 8601)'),
  page: z.string().max(500).describe("The lesson's route (its URL path below the site's base)"),
};
const block = z
  .string()
  .max(200)
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u)
  .describe('The block id');

export const ClientEvent = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('quiz-answer').describe('A quiz question answered'),
    ...common,
    block,
    question: z.number().int().min(0).max(999).describe('Question index in the quiz (0-based)'),
    choice: z.array(z.number().int().min(0).max(999)).min(1).max(50).describe('Chosen option indexes'),
    correct: z.boolean().describe('Whether the page judged it right (the server judges again from the course)'),
  }),
  z.object({
    kind: z.literal('exercise-done').describe('An exercise marked done, or the mark taken off'),
    ...common,
    block,
    done: z.boolean().describe('The mark'),
  }),
  z.object({
    kind: z.literal('hint-revealed').describe("An exercise's hint shown"),
    ...common,
    block,
    hint: z.number().int().min(0).max(999).describe('Hint index (0-based)'),
  }),
  z.object({ kind: z.literal('solution-revealed').describe("An exercise's solution opened"), ...common, block }),
  z.object({ kind: z.literal('page-view').describe('A lesson opened (progress through the course)'), ...common }),
]);
export type ClientEvent = z.infer<typeof ClientEvent>;
export type EventKind = ClientEvent['kind'];

/** What the page sends (POST /api/events): its oldest queued events, in the order they happened. */
export interface EventBatch {
  events: ClientEvent[];
}

/**
 * POST /api/events as the server reads it: the batch's frame only (1-100 objects, each with a
 * readable id). Each event is then checked on its own (ClientEvent), so that one event the
 * server cannot accept is refused by its id and does not take the others with it.
 */
export const EventBatchBody = z.object({
  events: z
    .array(z.looseObject({ id: eventId }).describe('An event (checked on its own against ClientEvent)'))
    .min(1)
    .max(100)
    .describe('Events in the order they happened'),
});

/** An event the server will never accept as sent (a quiz question the course lacks, a malformed field). */
export interface RefusedEvent {
  id: string;
  /** The catalogue name (src/protocol/errors.ts), e.g. UnknownBlock or BadRequest. */
  error: ServerErrorName;
  message: string;
}

/**
 * The answer: `acked`, the ids now committed (new ones and ones sent before); `refused`, the
 * events refused for good, each with its reason. The page forgets both and keeps the rest of
 * its queue. A failure of the whole request (store down, 5xx, network) acknowledges nothing.
 */
export interface EventAck {
  acked: string[];
  refused: RefusedEvent[];
}
