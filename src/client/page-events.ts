/**
 * The events blocks dispatch on the page for the results queue
 * (results.client.ts): shapes only. Blocks import these (blocks → client),
 * so the client never imports a block.
 */

/** `drillbook:answer`, from <db-quiz>: one answer to one question. */
export interface AnswerDetail {
  blockId: string;
  question: number;
  /** Chosen option indexes (one for single-answer questions). */
  choice: number[];
  correct: boolean;
}

/** `drillbook:exercise`, from <db-exercise>: a hint shown, the solution opened, the done mark. */
export interface ExerciseDetail {
  blockId: string;
  kind: 'hint-revealed' | 'solution-revealed' | 'exercise-done';
  hint?: number;
  done?: boolean;
}
