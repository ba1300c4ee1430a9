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
  /** At least one check ran without an infrastructure error (the solution may be shown). */
  attempted: boolean;
  /** One line for the learner about the last action. */
  summary: string;
  checks: LabCheckView[];
}
