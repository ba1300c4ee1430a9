/**
 * A workshop's gradebook: one row per member, one column per quiz block and
 * per lab of the workshop's lessons, built from what the results store holds
 * for that workshop. Pure: the caller reads the store (gradebook-data.ts) and
 * passes the rows in; LMS identities (from LTI, when it knows them) come as
 * an optional map and fill the identity columns.
 *
 * Scoring (stated in every file: the JSON `scoring` field, README for CSV):
 * - a quiz question counts 1 point when answered right, judged by the server
 *   from the course; under `first` the learner's first answer to that
 *   question counts, under `last` the latest, under `best` any right answer
 *   (each question on its own; first and last in the order the server
 *   committed the answers). A quiz's score is right/total of its questions.
 * - a lab counts 1 point per check passed in one "Check my work" attempt:
 *   under `first` the first attempt, under `last` the latest, under `best`
 *   the attempt with the most checks passed. Attempts the server could not
 *   run (an infrastructure error) are not the learner's and never count.
 *   Passed: every check passed in that attempt.
 * - total percentage: all points over all possible points (unanswered
 *   questions and labs never checked count 0), one decimal.
 * - first and last activity: the earliest and latest result the learner
 *   sent in the workshop (answers, pages opened, hints, lab starts and checks).
 */
import type { LiveColumn } from '../protocol/workshops.ts';
import type { StoredAttempt, StoredEvent } from '../store/results.ts';
import { toCsv, type CsvCell } from './csv.ts';

export const SCORE_POLICIES = ['first', 'best', 'last'] as const;
export type ScorePolicy = (typeof SCORE_POLICIES)[number];

export const GRADE_FORMATS = ['csv', 'json', 'canvas-csv', 'moodle-csv'] as const;
export type GradeFormat = (typeof GRADE_FORMATS)[number];

/** A learner as the LMS knows them (from LTI launches): any of these may be missing. */
export interface LmsIdentity {
  /** The platform's LTI user id (the id_token's `sub`): opaque, not what an LMS's gradebook import matches on. */
  lmsUserId?: string;
  /**
   * Canvas's numeric user id, what its gradebook import matches in the ID column: sent only when
   * the developer key has the custom field `canvas_user_id=$Canvas.user.id` (README, Canvas).
   */
  canvasUserId?: string;
  /** The school's student number (Canvas: SIS User ID; Moodle: ID number). */
  sisId?: string;
  email?: string;
}

export type IdentityMap = ReadonlyMap<string, LmsIdentity>;

export interface GradebookInput {
  workshop: { id: string; title: string; code: string };
  /** The workshop's quiz and lab columns, in course order (workshops/outline.ts workshopColumns). */
  columns: LiveColumn[];
  members: { learner: string; name: string }[];
  /** The workshop's events and lab attempts in commit order; starts and give-ups. */
  events: StoredEvent[];
  attempts: StoredAttempt[];
  starts: { learner: string; lab: string; at: string }[];
  giveUps: { learner: string; lab: string; at: string }[];
  policy: ScorePolicy;
  identities?: IdentityMap;
  generatedAt: string;
}

export interface GradeColumn {
  type: 'quiz' | 'lab';
  /** The block id (quiz) or lab id. */
  id: string;
  /** Unique within the gradebook (a repeated title gets " (2)", " (3)"…): an LMS makes one assignment per name. */
  title: string;
  lesson: string;
  /** Points possible: the quiz's questions, the lab's checks. */
  points: number;
}

export interface QuizCell {
  type: 'quiz';
  right: number;
  total: number;
  /** Questions answered at least once. */
  answered: number;
}

export interface LabCell {
  type: 'lab';
  /** Checks passed in the attempt the policy picks (0 when never checked). */
  checks: number;
  total: number;
  passed: boolean;
  /** Attempts that counted (no infrastructure error). */
  attempts: number;
  gaveUp: boolean;
}

export interface GradeRow {
  learner: string;
  name: string;
  identity: LmsIdentity;
  cells: Record<string, QuizCell | LabCell>;
  points: number;
  possible: number;
  percent: number;
  firstActivity: string | null;
  lastActivity: string | null;
}

export interface Gradebook {
  workshop: GradebookInput['workshop'];
  policy: ScorePolicy;
  /** The scoring rule in words (the policy's part first). */
  rule: string;
  generatedAt: string;
  columns: GradeColumn[];
  rows: GradeRow[];
}

const POLICY_WORDS: Record<ScorePolicy, string> = {
  first: "each quiz question counts the learner's first answer; each lab counts its first check attempt",
  last: "each quiz question counts the learner's latest answer; each lab counts its latest check attempt",
  best: 'each quiz question counts if any answer to it was right; each lab counts the attempt with the most checks passed',
};

export function scoringRule(policy: ScorePolicy): string {
  return (
    `Scoring policy "${policy}": ${POLICY_WORDS[policy]}. ` +
    'A quiz scores right/total of its questions (1 point per question, judged by the server). ' +
    'A lab scores checks passed/total in that attempt and is passed when every check passed; attempts the server could not run are not counted. ' +
    'Total percentage: all points over all possible points, unanswered questions and unchecked labs counting 0.'
  );
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Titles made unique in order: "Quiz", "Quiz (2)", … */
function uniqueTitles(titles: string[]): string[] {
  const taken = new Set<string>();
  return titles.map((t) => {
    let out = t;
    for (let n = 2; taken.has(out); n++) out = `${t} (${n})`;
    taken.add(out);
    return out;
  });
}

export function buildGradebook(input: GradebookInput): Gradebook {
  const titles = uniqueTitles(input.columns.map((c) => c.title));
  const columns: GradeColumn[] = input.columns.map((c, i) => ({
    type: c.type,
    id: c.id,
    title: titles[i] as string,
    lesson: c.lesson,
    points: c.type === 'quiz' ? c.questions.length : c.checks.length,
  }));
  const memberSet = new Set(input.members.map((m) => m.learner));

  // learner → block → question → answers (correctness) in commit order
  const answers = new Map<string, Map<string, Map<number, boolean[]>>>();
  // learner → lab → counted attempts (checks passed) in commit order
  const tries = new Map<string, Map<string, number[]>>();
  const gaveUp = new Set<string>();
  const activity = new Map<string, { first: string; last: string }>();
  const touch = (learner: string, at: string) => {
    const a = activity.get(learner);
    if (!a) activity.set(learner, { first: at, last: at });
    else {
      if (Date.parse(at) < Date.parse(a.first)) a.first = at;
      if (Date.parse(at) > Date.parse(a.last)) a.last = at;
    }
  };

  for (const e of input.events) {
    if (!memberSet.has(e.learner)) continue;
    touch(e.learner, e.at);
    if (e.kind !== 'quiz-answer' || e.question === null) continue;
    const byBlock = answers.get(e.learner) ?? new Map<string, Map<number, boolean[]>>();
    answers.set(e.learner, byBlock);
    const byQ = byBlock.get(e.block) ?? new Map<number, boolean[]>();
    byBlock.set(e.block, byQ);
    const list = byQ.get(e.question) ?? [];
    list.push(e.correct === true);
    byQ.set(e.question, list);
  }
  for (const a of input.attempts) {
    if (!memberSet.has(a.learner)) continue;
    touch(a.learner, a.at);
    if (a.infrastructureError) continue;
    const byLab = tries.get(a.learner) ?? new Map<string, number[]>();
    tries.set(a.learner, byLab);
    const list = byLab.get(a.lab) ?? [];
    list.push(a.passed);
    byLab.set(a.lab, list);
  }
  for (const s of input.starts) if (memberSet.has(s.learner)) touch(s.learner, s.at);
  for (const g of input.giveUps) {
    if (!memberSet.has(g.learner)) continue;
    touch(g.learner, g.at);
    gaveUp.add(`${g.learner}\u0000${g.lab}`);
  }

  const pickAnswer = (list: boolean[]): boolean =>
    input.policy === 'first' ? list[0] === true : input.policy === 'last' ? list[list.length - 1] === true : list.includes(true);
  const pickAttempt = (list: number[]): number =>
    input.policy === 'first' ? (list[0] ?? 0) : input.policy === 'last' ? (list[list.length - 1] ?? 0) : Math.max(0, ...list);

  const rows: GradeRow[] = input.members.map((m) => {
    const cells: GradeRow['cells'] = {};
    let points = 0;
    let possible = 0;
    for (const c of input.columns) {
      if (c.type === 'quiz') {
        const byQ = answers.get(m.learner)?.get(c.id);
        let right = 0;
        let answered = 0;
        c.questions.forEach((_q, qi) => {
          const list = byQ?.get(qi);
          if (!list || list.length === 0) return;
          answered++;
          if (pickAnswer(list)) right++;
        });
        cells[c.id] = { type: 'quiz', right, total: c.questions.length, answered };
        points += right;
        possible += c.questions.length;
      } else {
        const list = tries.get(m.learner)?.get(c.id) ?? [];
        const total = c.checks.length;
        const checks = Math.min(total, list.length > 0 ? pickAttempt(list) : 0);
        cells[c.id] = {
          type: 'lab',
          checks,
          total,
          passed: list.length > 0 && total > 0 && checks === total,
          attempts: list.length,
          gaveUp: gaveUp.has(`${m.learner}\u0000${c.id}`),
        };
        points += checks;
        possible += total;
      }
    }
    const act = activity.get(m.learner);
    return {
      learner: m.learner,
      name: m.name,
      identity: { ...(input.identities?.get(m.learner) ?? {}) },
      cells,
      points,
      possible,
      percent: possible === 0 ? 0 : round1((100 * points) / possible),
      firstActivity: act?.first ?? null,
      lastActivity: act?.last ?? null,
    };
  });
  rows.sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.learner.localeCompare(b.learner));
  return { workshop: input.workshop, policy: input.policy, rule: scoringRule(input.policy), generatedAt: input.generatedAt, columns, rows };
}

// --- formats ------------------------------------------------------------------------------------

/**
 * Drillbook's own CSV. Scores are written "3 of 4", not "3/4": spreadsheets
 * read "3/4" as the 3rd of April. A lab has two columns: its checks and
 * "passed" (yes/no).
 */
function ownCsv(g: Gradebook): CsvCell[][] {
  const head: CsvCell[] = ['Name', 'LMS user id', 'SIS id', 'Email'];
  for (const c of g.columns) {
    if (c.type === 'quiz') head.push(c.title);
    else head.push(c.title, `${c.title}: passed`);
  }
  head.push('Total %', 'First activity', 'Last activity');
  const out: CsvCell[][] = [head];
  for (const r of g.rows) {
    const rec: CsvCell[] = [r.name, r.identity.lmsUserId ?? '', r.identity.sisId ?? '', r.identity.email ?? ''];
    for (const c of g.columns) {
      const cell = r.cells[c.id];
      if (cell?.type === 'quiz') rec.push(`${cell.right} of ${cell.total}`);
      else if (cell?.type === 'lab') rec.push(`${cell.checks} of ${cell.total}`, cell.passed ? 'yes' : 'no');
    }
    rec.push(r.percent, r.firstActivity ?? '', r.lastActivity ?? '');
    out.push(rec);
  }
  return out;
}

const cellPoints = (cell: QuizCell | LabCell | undefined): number => (cell?.type === 'quiz' ? cell.right : (cell?.checks ?? 0));

/**
 * Canvas's gradebook import layout (as its own export writes it): Student,
 * ID, SIS User ID, SIS Login ID, Section, then one column per assignment
 * with points, and a "Points Possible" row. Canvas matches learners by ID or
 * SIS User ID (else by name) and makes a new assignment for each column
 * whose name it does not have yet. ID is Canvas's numeric user id (from the
 * `canvas_user_id` custom parameter), never the LTI `sub`, which Canvas does
 * not know by that column: without it ID stays empty.
 */
function canvasCsv(g: Gradebook): CsvCell[][] {
  const out: CsvCell[][] = [['Student', 'ID', 'SIS User ID', 'SIS Login ID', 'Section', ...g.columns.map((c) => c.title)]];
  out.push(['Points Possible', '', '', '', '', ...g.columns.map((c) => c.points)]);
  for (const r of g.rows)
    out.push([r.name, r.identity.canvasUserId ?? '', r.identity.sisId ?? '', '', '', ...g.columns.map((c) => cellPoints(r.cells[c.id]))]);
  return out;
}

/** "Ana María López" → ["Ana María", "López"]; one word → [word, ""]. */
function splitName(name: string): [string, string] {
  const t = name.trim();
  const at = t.lastIndexOf(' ');
  return at < 0 ? [t, ''] : [t.slice(0, at), t.slice(at + 1)];
}

/**
 * Moodle's grade import (Grades → Import → CSV file) layout, with the
 * identity columns its own export writes (First name, Last name, ID number,
 * Email address), then one column per grade item with points. On import,
 * "Identify user by" maps "Email address" or "ID number" to the user field
 * of that name; each grade column maps to an existing item or "new grade item".
 */
function moodleCsv(g: Gradebook): CsvCell[][] {
  const out: CsvCell[][] = [['First name', 'Last name', 'ID number', 'Email address', ...g.columns.map((c) => c.title)]];
  for (const r of g.rows) {
    const [first, last] = splitName(r.name);
    out.push([first, last, r.identity.sisId ?? '', r.identity.email ?? '', ...g.columns.map((c) => cellPoints(r.cells[c.id]))]);
  }
  return out;
}

/** The JSON file: the scoring policy and rule first (the file's header), then columns and rows. */
export function gradebookJson(g: Gradebook): string {
  return (
    JSON.stringify(
      {
        format: 'drillbook-gradebook',
        version: 1,
        comment: g.rule,
        scoring: { policy: g.policy, rule: g.rule },
        workshop: g.workshop,
        generatedAt: g.generatedAt,
        columns: g.columns,
        rows: g.rows,
      },
      null,
      2,
    ) + '\n'
  );
}

export interface GradeFile {
  body: string;
  contentType: string;
  /** A file name for downloads: the workshop code, the format, the policy. */
  fileName: string;
}

export function renderGradebook(g: Gradebook, format: GradeFormat, opts: { bom?: boolean } = {}): GradeFile {
  const stem = `grades-${g.workshop.code}-${g.policy}`;
  if (format === 'json') return { body: gradebookJson(g), contentType: 'application/json; charset=utf-8', fileName: `${stem}.json` };
  const records = format === 'csv' ? ownCsv(g) : format === 'canvas-csv' ? canvasCsv(g) : moodleCsv(g);
  return {
    body: toCsv(records, opts),
    contentType: 'text/csv; charset=utf-8; header=present',
    fileName: `${stem}${format === 'csv' ? '' : `-${format.replace('-csv', '')}`}.csv`,
  };
}
