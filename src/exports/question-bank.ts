/**
 * A course's quiz questions as a question bank for an LMS: every question
 * of every valid quiz block, in reading order, each in the category of its
 * course, section(s) and lesson, with a stable id (block id + "-q" + the
 * question's number), its options in the order shown, which are right, and
 * each option's feedback. Blocks of other types are counted as skipped, with
 * why. Then written as GIFT, Moodle XML or a QTI 2.1 content package.
 *
 * Text fields are rendered as the site renders them (render/text.ts: every
 * character escaped, only `code` spans, **bold**, line breaks and, in
 * feedback, fenced code interpreted), as XHTML without line breaks in the
 * markup (a line break is <br/>), so the same HTML goes into every format.
 */
import { basename } from 'node:path';
import type { Course, NavSection } from '../course/load-course.ts';
import { blockParts, inlineText } from '../render/text.ts';
import { escapeHtml } from '../lesson/escape.ts';
import { giftBank } from './gift.ts';
import { moodleXmlBank } from './moodle-xml.ts';
import { qtiPackage } from './qti21.ts';

export const QUESTION_FORMATS = ['gift', 'moodle-xml', 'qti21'] as const;
export type QuestionFormat = (typeof QUESTION_FORMATS)[number];

export interface BankOption {
  /** The author's text, and as XHTML. */
  text: string;
  html: string;
  correct: boolean;
  feedback: string | undefined;
  feedbackHtml: string | undefined;
  /** Percent of the question's marks (see weights()). */
  weight: number;
}

export interface BankQuestion {
  /** Stable: `${blockId}-q${number}` (1-based). */
  id: string;
  blockId: string;
  /** 0-based index of the question in its block. */
  index: number;
  /** [course, section…, lesson]. */
  category: string[];
  /** The quiz's title, or its lesson's. */
  quizTitle: string;
  text: string;
  html: string;
  multiple: boolean;
  options: BankOption[];
}

export interface SkippedBlocks {
  total: number;
  /** Per kind of block: how many, and why they are not questions. */
  reasons: { what: string; count: number; why: string }[];
}

export interface QuestionBank {
  courseTitle: string;
  questions: BankQuestion[];
  /** Every category with at least one question, in order of first use. */
  categories: string[][];
  quizzes: number;
  skipped: SkippedBlocks;
}

const WHY: Record<string, string> = {
  exercise: 'open tasks with hints and a solution, nothing to choose from',
  lab: 'graded by checks run in a sandbox, not by a chosen answer',
  'command-builder': 'builders assemble a command, nothing is marked right or wrong',
  terminal: 'recorded terminal replays, nothing to answer',
  'code-walkthrough': 'annotated code to step through, nothing to answer',
  mermaid: 'diagrams, nothing to answer',
};

/** XHTML of inline text (question, option): one line, `<br/>` for breaks. */
export function inlineHtml(text: string): string {
  return inlineText(text).replace(/<br>/g, '<br/>');
}

/** XHTML of block text (feedback): paragraphs, and fenced code as <pre><code> with `<br/>` for its lines. */
export function blockHtml(text: string): string {
  return blockParts(text)
    .map((p) =>
      p.kind === 'text' ? `<p>${inlineHtml(p.text)}</p>` : `<pre><code>${p.code.split('\n').map(escapeHtml).join('<br/>')}</code></pre>`,
    )
    .join('');
}

/**
 * Moodle's fixed list of grades for an answer, in percent (`question_bank::fraction_options`; the
 * negative ones mirror it). Its importers (Moodle XML and GIFT alike) refuse a question whose answer
 * fraction is not within 0.00001 of one of these.
 */
export const MOODLE_GRADES = [
  100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5,
];

/**
 * Percent weights of a question's options. Single choice: 100 for the right
 * one, 0 otherwise. Multiple choice: the right options share 100 % and the
 * wrong ones share -100 % (ticking everything scores 0), each group summing
 * to exactly 100, with values Moodle's importers accept (MOODLE_GRADES):
 * - up to 10 options: an equal share, in steps of 0.00001 % with the last
 *   option taking the remainder (33.33333, 33.33333, 33.33334), each within
 *   Moodle's tolerance of 1/n;
 * - 11 to 20: 1/n is not on Moodle's list, so the first 20 − n options get
 *   10 % and the others 5 % (11: nine of 10 and two of 5);
 * - more than 20: an equal share, which Moodle cannot import (its smallest
 *   grade is 5 %); GIFT and QTI readers take it.
 */
export function weights(correct: boolean[], multiple: boolean): number[] {
  if (!multiple) return correct.map((c) => (c ? 100 : 0));
  const UNITS = 10_000_000; // 100 % in steps of 0.00001 %
  const split = (n: number): number[] => {
    if (n > 10 && n <= 20) return Array.from({ length: n }, (_, i) => (i < 20 - n ? 10 : 5));
    const each = Math.floor(UNITS / n);
    return Array.from({ length: n }, (_, i) => (i === n - 1 ? UNITS - each * (n - 1) : each) / 100_000);
  };
  const right = split(correct.filter(Boolean).length);
  const wrongCount = correct.filter((c) => !c).length;
  const wrong = wrongCount > 0 ? split(wrongCount).map((w) => -w) : [];
  let r = 0;
  let w = 0;
  return correct.map((c) => (c ? (right[r++] as number) : (wrong[w++] as number)));
}

/** Lesson route → the titles of the sections it is in (outermost first), from the course's navigation. */
function sectionsOf(nav: NavSection): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (s: NavSection, path: string[]) => {
    if (s.index) out.set(s.index.route, path);
    for (const p of s.pages) out.set(p.route, path);
    for (const sub of s.sections) walk(sub, [...path, sub.title]);
  };
  walk(nav, []);
  return out;
}

export function collectQuestions(course: Course): QuestionBank {
  const courseTitle = course.title ?? course.nav.index?.title ?? basename(course.dir);
  const sections = sectionsOf(course.nav);
  const questions: BankQuestion[] = [];
  const categories: string[][] = [];
  const seenCategory = new Set<string>();
  const skipped = new Map<string, number>();
  let quizzes = 0;
  for (const page of course.pages) {
    const category = [courseTitle, ...(sections.get(page.route) ?? []), page.title];
    for (const n of page.nodes) {
      if (n.kind !== 'block') continue;
      if (!n.ok) {
        const what = n.type === 'quiz' ? 'quiz (invalid)' : n.type;
        skipped.set(what, (skipped.get(what) ?? 0) + 1);
        continue;
      }
      const b = n.block;
      if (b.type !== 'quiz') {
        skipped.set(b.type, (skipped.get(b.type) ?? 0) + 1);
        continue;
      }
      quizzes++;
      const key = JSON.stringify(category);
      if (!seenCategory.has(key)) {
        seenCategory.add(key);
        categories.push(category);
      }
      b.data.questions.forEach((q, i) => {
        const w = weights(
          q.options.map((o) => o.correct),
          q.multiple,
        );
        questions.push({
          id: `${n.id}-q${i + 1}`,
          blockId: n.id,
          index: i,
          category,
          quizTitle: b.data.title ?? page.title,
          text: q.question,
          html: inlineHtml(q.question),
          multiple: q.multiple,
          options: q.options.map((o, k) => ({
            text: o.text,
            html: inlineHtml(o.text),
            correct: o.correct,
            feedback: o.feedback,
            feedbackHtml: o.feedback === undefined || o.feedback.trim() === '' ? undefined : blockHtml(o.feedback),
            weight: w[k] as number,
          })),
        });
      });
    }
  }
  const reasons = [...skipped].map(([what, count]) => ({
    what: `${what} block${count === 1 ? '' : 's'}`,
    count,
    why:
      what === 'quiz (invalid)'
        ? 'quizzes with content errors (./drillbook check names them)'
        : (WHY[what] ?? 'not a quiz: nothing to choose from'),
  }));
  return { courseTitle, questions, categories, quizzes, skipped: { total: [...skipped.values()].reduce((a, b) => a + b, 0), reasons } };
}

export interface ExportedBank {
  data: string | Uint8Array;
  summary: { questions: number; quizzes: number; categories: number; skipped: SkippedBlocks };
}

export function exportQuestions(course: Course, format: QuestionFormat): ExportedBank {
  const bank = collectQuestions(course);
  const data = format === 'gift' ? giftBank(bank) : format === 'moodle-xml' ? moodleXmlBank(bank) : qtiPackage(bank);
  return {
    data,
    summary: { questions: bank.questions.length, quizzes: bank.quizzes, categories: bank.categories.length, skipped: bank.skipped },
  };
}
