/**
 * GIFT (Moodle's text format for questions): a `$CATEGORY:` line before the
 * questions of each category, then per question
 * `::id::[html]question{ =[html]right#feedback ~[html]wrong#feedback }`
 * (multiple choice: `~%weight%[html]option#feedback`); the `[html]` before
 * each option keeps one that starts with `%50%` or `[` from being read as a
 * weight or a format. Every character GIFT gives meaning to
 * (`~ = # { } :` and `\`) is escaped with a backslash in names, questions,
 * options and feedback, so any text reads back as written. The HTML has no
 * line breaks (breaks are <br/>), so a blank line never ends a question early.
 */
import type { QuestionBank } from './question-bank.ts';

/** `~ = # { } :` and `\` escaped for GIFT. */
export function escapeGift(text: string): string {
  return text.replace(/[~=#{}:\\]/g, (c) => `\\${c}`);
}

/** A category path as Moodle writes it: `$course$/top/…`, a "/" inside a name doubled. */
export function moodleCategoryPath(category: string[]): string {
  return ['$course$', 'top', ...category.map((c) => c.replace(/[\r\n]+/g, ' ').replace(/\//g, '//'))].join('/');
}

const pct = (w: number) => String(Math.round(w * 100_000) / 100_000);

export function giftBank(bank: QuestionBank): string {
  const out: string[] = [
    `// Question bank of "${bank.courseTitle.replace(/[\r\n]+/g, ' ')}", exported by Drillbook: ${bank.questions.length} questions.`,
    '// Categories: course / section / lesson. Question names are stable ids: quiz block id + "-q" + question number.',
    '',
  ];
  let current = '';
  for (const q of bank.questions) {
    const cat = moodleCategoryPath(q.category);
    if (cat !== current) {
      out.push(`$CATEGORY: ${cat}`, '');
      current = cat;
    }
    const lines = [`::${escapeGift(q.id)}::[html]${escapeGift(q.html)}{`];
    for (const o of q.options) {
      const mark = q.multiple ? `~%${pct(o.weight)}%` : o.correct ? '=' : '~';
      lines.push(`\t${mark}[html]${escapeGift(o.html)}${o.feedbackHtml ? `#${escapeGift(o.feedbackHtml)}` : ''}`);
    }
    lines.push('}', '');
    out.push(...lines);
  }
  return out.join('\n');
}
