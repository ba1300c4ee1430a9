/**
 * `drillbook export grades|questions`:
 *
 *   grades --workshop CODE --format csv|json|canvas-csv|moodle-csv [--score first|best|last] [--bom] [--out FILE]
 *          a workshop's gradebook (exports/gradebook.ts), from the same results store as the server;
 *          CODE is the join code (any case, dashes optional) or the workshop id
 *   questions [FOLDER] --format gift|moodle-xml|qti21 [--out FILE]
 *          every quiz question of a course folder (default: the configured content) as a question bank
 *
 * Without --out the file goes to standard output (QTI, a zip, needs --out);
 * what was written and what was skipped is said on standard error.
 */
import { statSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { contentDir } from '../course/config.ts';
import { loadCourse } from '../course/load-course.ts';
import { GRADE_FORMATS, renderGradebook, SCORE_POLICIES, type GradeFormat, type ScorePolicy } from '../exports/gradebook.ts';
import { QUESTION_FORMATS, exportQuestions, type QuestionFormat } from '../exports/question-bank.ts';
import { ConfigError, hostCapacity, loadServerConfig, publicOrigin } from '../server/config.ts';
import { openStore } from '../store/index.ts';
import { normaliseCode } from '../store/workshops.ts';
import { courseOutline } from '../workshops/outline.ts';
import { WorkshopService } from '../workshops/service.ts';

const USAGE = `usage: drillbook export grades --workshop CODE --format ${GRADE_FORMATS.join('|')} [--score ${SCORE_POLICIES.join('|')}] [--bom] [--out FILE]
       drillbook export questions [FOLDER] --format ${QUESTION_FORMATS.join('|')} [--out FILE]`;

const err = (line: string) => process.stderr.write(`drillbook export: ${line}\n`);

export async function runExport(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        workshop: { type: 'string' },
        format: { type: 'string' },
        score: { type: 'string' },
        bom: { type: 'boolean' },
        out: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const v = parsed.values;
  if (what === 'grades') {
    if (parsed.positionals.length > 0) {
      err(`unexpected argument "${parsed.positionals[0]}"\n${USAGE}`);
      return 2;
    }
    if (!v.workshop) {
      err(`--workshop CODE is needed (the join code, e.g. K7M-3QX, or the workshop id)\n${USAGE}`);
      return 2;
    }
    if (!GRADE_FORMATS.includes(v.format as GradeFormat)) {
      err(`--format ${v.format === undefined ? 'is needed' : `"${v.format}" is not known`}: one of ${GRADE_FORMATS.join(', ')}`);
      return 2;
    }
    if (v.bom && v.format === 'json') {
      err('--bom is for the CSV formats (a JSON file never starts with a byte-order mark)');
      return 2;
    }
    const score = (v.score ?? 'best') as ScorePolicy;
    if (!SCORE_POLICIES.includes(score)) {
      err(`--score "${v.score}" is not known: one of ${SCORE_POLICIES.join(', ')}`);
      return 2;
    }
    return exportGrades(v.workshop, v.format as GradeFormat, score, v.bom === true, v.out);
  }
  if (what === 'questions') {
    if (parsed.positionals.length > 1) {
      err(`one course folder at most\n${USAGE}`);
      return 2;
    }
    if (v.workshop !== undefined || v.score !== undefined || v.bom !== undefined) {
      err(`--workshop, --score and --bom are for "export grades"\n${USAGE}`);
      return 2;
    }
    if (!QUESTION_FORMATS.includes(v.format as QuestionFormat)) {
      err(`--format ${v.format === undefined ? 'is needed' : `"${v.format}" is not known`}: one of ${QUESTION_FORMATS.join(', ')}`);
      return 2;
    }
    const format = v.format as QuestionFormat;
    if (format === 'qti21' && !v.out) {
      err('--format qti21 writes a zip (an IMS content package): give --out FILE.zip');
      return 2;
    }
    const folder = parsed.positionals[0] ?? contentDir();
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
      err(`no course folder at "${folder}": give a folder of Markdown lessons (or an MkDocs project)`);
      return 2;
    }
    const course = loadCourse(folder);
    const bank = exportQuestions(course, format);
    if (v.out) writeFileSync(v.out, bank.data);
    else process.stdout.write(bank.data);
    const s = bank.summary;
    err(
      `${s.questions} question${s.questions === 1 ? '' : 's'} from ${s.quizzes} quiz block${s.quizzes === 1 ? '' : 's'} in ${s.categories} categor${s.categories === 1 ? 'y' : 'ies'}` +
        `${v.out ? ` written to ${v.out}` : ''}; skipped ${s.skipped.total} block${s.skipped.total === 1 ? '' : 's'} that are not questions` +
        (s.skipped.total > 0 ? ` (${s.skipped.reasons.map((r) => `${r.count} ${r.what}: ${r.why}`).join('; ')})` : ''),
    );
    return 0;
  }
  err(`unknown subcommand "${what ?? ''}"\n${USAGE}`);
  return 2;
}

async function exportGrades(ref: string, format: GradeFormat, score: ScorePolicy, bom: boolean, out: string | undefined): Promise<number> {
  let config;
  try {
    config = loadServerConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  const store = await openStore({ stateDir: config.stateDir, databaseUrl: config.databaseUrl });
  try {
    const code = normaliseCode(ref);
    const w = (code ? await store.workshops.byCode(code) : undefined) ?? (await store.workshops.byId(ref.trim()));
    if (!w) {
      err(`no workshop with the code or id "${ref}" in this results store (./drillbook workshop list shows them)`);
      return 1;
    }
    const service = new WorkshopService({
      store,
      outline: courseOutline(loadCourse(contentDir())),
      manager: null,
      hostCapacity: config.sandbox ? hostCapacity(config, totalmem()) : 0,
      prewarmMs: config.prewarmMs,
      publicOrigin: publicOrigin(config),
      base: '/',
    });
    const book = await service.gradebookOf(w, score);
    const file = renderGradebook(book, format, { bom });
    if (out) writeFileSync(out, file.body);
    else process.stdout.write(file.body);
    err(
      `${book.rows.length} learner${book.rows.length === 1 ? '' : 's'}, ${book.columns.length} column${book.columns.length === 1 ? '' : 's'} (quizzes and labs), ${score} answers/attempts counted${out ? `, written to ${out}` : ''}`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
