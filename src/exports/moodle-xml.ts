/**
 * Moodle XML: a `<question type="category">` before the questions of each
 * category (course / section / lesson), then each question as `multichoice`
 * with its stable id as name and idnumber, the HTML of the question, each
 * option with its fraction (percent; see weights() in question-bank.ts) and
 * feedback, `single` saying whether one answer is right, and the options in
 * the author's order (no shuffling, numbered a, b, c).
 */
import { moodleCategoryPath } from './gift.ts';
import type { QuestionBank } from './question-bank.ts';
import { escapeXml } from './xml.ts';

const text = (html: string) => `<text>${escapeXml(html)}</text>`;
const pct = (w: number) => String(Math.round(w * 100_000) / 100_000);

export function moodleXmlBank(bank: QuestionBank): string {
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<!-- Question bank of "${escapeXml(bank.courseTitle).replace(/--/g, '- -')}", exported by Drillbook: ${bank.questions.length} questions. -->`,
    '<quiz>',
  ];
  let current = '';
  for (const q of bank.questions) {
    const cat = moodleCategoryPath(q.category);
    if (cat !== current) {
      out.push(
        '  <question type="category">',
        `    <category>${text(cat)}</category>`,
        '    <info format="html"><text></text></info>',
        '  </question>',
      );
      current = cat;
    }
    out.push(
      '  <question type="multichoice">',
      `    <name>${text(q.id)}</name>`,
      `    <questiontext format="html">${text(q.html)}</questiontext>`,
      '    <generalfeedback format="html"><text></text></generalfeedback>',
      '    <defaultgrade>1</defaultgrade>',
      '    <penalty>0</penalty>',
      '    <hidden>0</hidden>',
      `    <idnumber>${escapeXml(q.id)}</idnumber>`,
      `    <single>${q.multiple ? 'false' : 'true'}</single>`,
      '    <shuffleanswers>false</shuffleanswers>',
      '    <answernumbering>abc</answernumbering>',
    );
    for (const o of q.options)
      out.push(
        `    <answer fraction="${pct(o.weight)}" format="html">`,
        `      ${text(o.html)}`,
        `      <feedback format="html">${text(o.feedbackHtml ?? '')}</feedback>`,
        '    </answer>',
      );
    out.push('  </question>');
  }
  out.push('</quiz>', '');
  return out.join('\n');
}
