/** What the lab API answers and the page shows (types only; shared with the browser). */
export interface LabCheckView {
  id: string;
  title: string;
  status: 'passed' | 'not-yet' | 'error' | 'unchecked';
  message: string;
  hint?: string | undefined;
}

export interface LabView {
  id: string;
  /** The learner's sandbox holds this lab's prepared state. */
  started: boolean;
  /** At least one check ran without an infrastructure error. */
  attempted: boolean;
  /**
   * Whether GET api/labs/:id/solution answers: "attempted" after a real attempt (a check run,
   * without a server problem, after typing in the sandbox), "gave-up" after "Give up and show me".
   */
  solution: 'locked' | 'attempted' | 'gave-up';
  /** One line for the learner about the last action. */
  summary: string;
  checks: LabCheckView[];
}

/** GET api/labs/:id/solution and POST api/labs/:id/give-up: the lab's solution script (plain text). */
export interface LabSolution {
  id: string;
  reason: 'attempted' | 'gave-up';
  solution: string;
}
