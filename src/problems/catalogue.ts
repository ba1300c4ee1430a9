/**
 * The catalogue of content problems. Every problem Drillbook reports about a
 * course comes from here, so the wording is the same in the check command,
 * the error boxes on the site and the tests (which assert it verbatim).
 *
 * Names are permanent: tools and docs refer to them. Each entry says what
 * happened (`message`) and what to do (`hint`); where it happened (file,
 * line, block, field path) travels alongside in the Problem.
 *
 * A leaf module: it imports nothing, so the parser (src/lesson), the block
 * types (src/blocks) and the course loader can all use it without a cycle.
 */

export type Severity = 'error' | 'warning';

/** Parts of a page a problem can be about, besides its blocks. */
export const PAGE_SUBJECTS = ['front-matter', 'link', 'image', 'page', 'mdx'] as const;
export type PageSubject = (typeof PAGE_SUBJECTS)[number];

/**
 * The thing a problem is about: a page part, or a block type. Block types
 * are whatever the block registry holds (src/blocks/registry.ts derives its
 * `ProblemSubject` from its keys); this leaf cannot import it, so it takes
 * any block type name.
 */
export type ProblemSubject<BlockType extends string = string> = BlockType | PageSubject;

export interface Problem {
  /** Stable catalogue name, e.g. `YamlSyntax`. */
  name: ProblemName;
  severity: Severity;
  /** Course-relative path with forward slashes, e.g. `Backups/dumps.md`. */
  file: string;
  /** 1-based line: a block's opening fence, or the offending link/image. */
  line: number;
  /** 1-based column of `line`. */
  column: number;
  block: ProblemSubject;
  /** Dotted field path inside the block (`steps.2.output`), or '' when none. */
  path: string;
  /** What happened. */
  message: string;
  /** What to do about it. */
  hint: string;
}

export interface ProblemLocation {
  file: string;
  line: number;
  column?: number;
  block: ProblemSubject;
  path?: string;
}

interface CatalogueEntry<A> {
  severity: Severity;
  message: (args: A) => string;
  hint: (args: A) => string;
}

function entry<A>(e: CatalogueEntry<A>): CatalogueEntry<A> {
  return e;
}

const YAML_HINT = 'Fix the YAML at the line shown: check indentation, quote values that contain ": " or start with a special character.';

/** "a, b and c" */
const listed = (xs: string[]) => (xs.length < 2 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`);

/**
 * The hint for block scalars whose first line is indented deeper than the
 * rest: every one of them, each with the indicator that fixes it ("|2"), or,
 * past 9 (the largest YAML allows), the other fix.
 */
function blockScalarHint(fixes: { line: number; indicator: number | undefined; needed: number }[]): string {
  const one = fixes.length === 1;
  const where = one ? `the one at line ${fixes[0]?.line}` : `the ones at lines ${listed(fixes.map((f) => String(f.line)))}`;
  const head = `A "|" block takes its indentation from its first line, and ${where} ${one ? 'is' : 'are'} indented deeper than the lines after ${one ? 'it' : 'them'}.`;
  const fixable = fixes.filter((f) => f.indicator !== undefined);
  const tooDeep = fixes.filter((f) => f.indicator === undefined);
  const parts: string[] = [];
  if (fixable.length > 0) {
    const writes = fixable.map((f) => (one ? `"|${f.indicator}"` : `"|${f.indicator}" at line ${f.line}`));
    parts.push(`Write ${listed(writes)} instead of "|" to fix the indentation, or indent every line alike.`);
  }
  if (tooDeep.length > 0) {
    const at = tooDeep.map((f) => (one ? '' : ` at line ${f.line}`));
    parts.push(
      `${one ? 'Its' : listed(at.map((a) => `The block${a}`))} content sits ${listed(tooDeep.map((f) => String(f.needed)))} columns deeper than its key, more than the indentation indicator allows (1 to 9): indent every line alike, or move the lines left so they start at most 9 columns deeper than the key.`,
    );
  }
  return `${head} ${parts.join(' ')}`;
}

export const catalogue = {
  YamlSyntax: entry<{ detail: string; blockScalars?: { line: number; indicator: number | undefined; needed: number }[] | undefined }>({
    severity: 'error',
    message: (a) => `The block's YAML does not parse: ${a.detail}`,
    hint: (a) => (a.blockScalars && a.blockScalars.length > 0 ? blockScalarHint(a.blockScalars) : YAML_HINT),
  }),
  YamlLenient: entry<{ part: 'block' | 'front matter'; line: number; fix: 'quoted' | 'flow' | 'other'; detail: string }>({
    severity: 'warning',
    message: (a) =>
      `The ${a.part}'s YAML at line ${a.line} was read leniently, as MkDocs reads it, but strict YAML tools reject it: ${a.detail}.`,
    hint: (a) =>
      a.fix === 'quoted'
        ? 'Indent the continuation lines of the quoted text deeper than its key, or keep the text on one line.'
        : a.fix === 'flow'
          ? 'Indent the continuation lines of the list deeper than its key, or keep the list on one line.'
          : 'Fix the line shown (indentation, quoting) so that strict YAML tools read the same values.',
  }),
  YamlNotMapping: entry<{ got: string }>({
    severity: 'error',
    message: (a) => `The block's body must be a YAML mapping (key: value lines), but it is ${a.got}.`,
    hint: () => 'Write the block as "key: value" lines, e.g. "title: ..." on the first line.',
  }),
  EmptyBlock: entry<Record<string, never>>({
    severity: 'error',
    message: () => 'The block is empty.',
    hint: () => 'Add the block body between the fences, or delete the fences.',
  }),
  UnclosedFence: entry<{ fence: string }>({
    severity: 'error',
    message: (a) => `The block is never closed: no later line is exactly ${a.fence} at the start of a line.`,
    hint: (a) => `Add a line with only ${a.fence}, starting at column 1, where the block ends.`,
  }),
  UnclosedCodeFence: entry<{ fence: string; fenceLine: number; type: string; blockLine: number }>({
    severity: 'warning',
    message: (a) =>
      `The code fence ${a.fence} opened at line ${a.fenceLine} is not closed before the ${a.type} block at line ${a.blockLine}, so the block ends it there.`,
    hint: (a) =>
      `Close the code fence with a line of ${a.fence} before the block. To show the block as an example instead, put it inside a longer fence (${a.fence}\`) or a ~~~ fence.`,
  }),
  FieldRequired: entry<{ field: string }>({
    severity: 'error',
    message: (a) => `Required field "${a.field}" is missing.`,
    hint: (a) => `Add "${a.field}:" to the block.`,
  }),
  FieldType: entry<{ field: string; expected: string; got: string }>({
    severity: 'error',
    message: (a) => `Field "${a.field}" should be ${a.expected}, but it is ${a.got}.`,
    hint: (a) => `Change "${a.field}" to ${a.expected}.`,
  }),
  FieldValue: entry<{ field: string; detail: string }>({
    severity: 'error',
    message: (a) => `Field "${a.field}" is not valid: ${a.detail}.`,
    hint: () => 'See the authoring reference for this block type (docs/authoring.md).',
  }),
  QuizNoCorrect: entry<{ question: string }>({
    severity: 'error',
    message: (a) => `Question "${a.question}" has no option marked correct.`,
    hint: () => 'Mark the right option with "correct: true".',
  }),
  QuizSeveralCorrect: entry<{ question: string; count: number }>({
    severity: 'error',
    message: (a) => `Question "${a.question}" is single-answer but ${a.count} options are marked correct.`,
    hint: () => 'Keep "correct: true" on one option, or declare "type: multiple-select" for a question with several right answers.',
  }),
  AnnotationOutOfRange: entry<{ line: number; lines: number }>({
    severity: 'error',
    message: (a) => `Annotation points at line ${a.line}, but the code has ${a.lines} line${a.lines === 1 ? '' : 's'}.`,
    hint: (a) => `Use a line number from 1 to ${a.lines}, counted from the first line of "code".`,
  }),
  UnknownExerciseShape: entry<Record<string, never>>({
    severity: 'error',
    message: () => 'The exercise has nothing to show: no scenario, description, tasks or starter code.',
    hint: () => 'Give the exercise a "scenario" (with "hints" and "solution"), or "tasks", or "starter" code.',
  }),
  BuilderConflictUnknown: entry<{ name: string }>({
    severity: 'error',
    message: (a) => `"conflicts" names "${a.name}", which no option or choice of this builder adds.`,
    hint: () => 'Write a flag or a choice value as an option of this builder writes it, e.g. "--single-transaction" or "--all-databases".',
  }),
  BuilderRequiresUnknown: entry<{ name: string }>({
    severity: 'error',
    message: (a) => `"requires" names "${a.name}", which no option or choice of this builder adds.`,
    hint: () => 'Write a flag or a choice value as an option of this builder writes it, e.g. "-f" or "--slot".',
  }),
  DiagramSyntax: entry<{ detail: string; line: number | undefined }>({
    severity: 'error',
    message: (a) =>
      `The diagram does not parse${a.line === undefined ? '' : ` (mermaid's parser stops at line ${a.line} of the file)`}: ${a.detail}`,
    hint: () =>
      "Fix the diagram's source; Mermaid's documentation lists each diagram type's syntax. Until then the page shows the source and this error instead of a drawing.",
  }),
  LabProbeShape: entry<Record<string, never>>({
    severity: 'error',
    message: () => 'A lab step or check needs exactly one of "sql" or "shell".',
    hint: () => 'Give the step either "sql:" (with "engine:") or "shell:", not both and not neither.',
  }),
  LabSqlEngine: entry<Record<string, never>>({
    severity: 'error',
    message: () => 'A lab step or check with "sql" does not say which server runs it.',
    hint: () => 'Add "engine: mariadb" or "engine: postgresql".',
  }),
  LabDuplicateCheck: entry<{ id: string }>({
    severity: 'error',
    message: (a) => `Check id "${a.id}" is used twice in this lab.`,
    hint: () => 'Give every check its own "id:"; results are stored under it.',
  }),
  LabUnknownNeed: entry<{ id: string }>({
    severity: 'error',
    message: (a) => `"needs" names check "${a.id}", which is not an earlier check of this lab.`,
    hint: () => 'List only ids of checks that come before this one.',
  }),
  LabUnknownFact: entry<{ name: string; field: string }>({
    severity: 'error',
    message: (a) => `"${a.field}" uses {{${a.name}}}, but no setup step records a fact of that name.`,
    hint: (a) => `Add "record: ${a.name}" to the setup step whose output is the value the check needs.`,
  }),
  LabReservedFact: entry<{ name: string }>({
    severity: 'error',
    message: (a) => `A setup step records a fact named "${a.name}", which is reserved: {{${a.name}}} is each check run's random token.`,
    hint: () => 'Record the step under another name.',
  }),
  LabEngineNotListed: entry<{ engine: string }>({
    severity: 'error',
    message: (a) => `This step or check uses ${a.engine}, which is not in the lab's "engines".`,
    hint: (a) => `Add ${a.engine} to "engines:" (the lab page says which servers it uses), or use a listed engine.`,
  }),
  LabMistakeWithoutFails: entry<Record<string, never>>({
    severity: 'error',
    message: () => 'This mistake does not say which checks must catch it ("fails" is missing or empty).',
    hint: () => 'Add "fails: [check-id, ...]": the checks that must run and not pass after the mistake.',
  }),
  LabUnknownCheck: entry<{ id: string }>({
    severity: 'error',
    message: (a) => `"fails" names check "${a.id}", which is not a check of this lab.`,
    hint: () => 'List ids from "checks:" (the checks this mistake must not pass).',
  }),
  BlockIdChanged: entry<{ given: string; used: string }>({
    severity: 'warning',
    message: (a) => `Block id "${a.given}" is not a valid id, so the block uses "${a.used}".`,
    hint: (a) =>
      `An id holds letters, digits, ".", "_" and "-" and starts with a letter or digit. Write "id: ${a.used}" to use it as written.`,
  }),
  DuplicateBlockId: entry<{ id: string; firstLine: number }>({
    severity: 'error',
    message: (a) => `Block id "${a.id}" is already used by the block at line ${a.firstLine}.`,
    hint: () => 'Give each block a unique "id:" on the page (or remove "id:" to get one automatically).',
  }),
  FrontMatterYaml: entry<{ detail: string }>({
    severity: 'error',
    message: (a) => `The front matter's YAML does not parse: ${a.detail}`,
    hint: () =>
      'Fix the YAML between the two "---" lines at the top of the page: check indentation, quote values that start with a special character.',
  }),
  FrontMatterField: entry<{ field: string; detail: string }>({
    severity: 'warning',
    message: (a) => `Front matter field "${a.field}" was ignored: ${a.detail}.`,
    hint: () => 'See the front matter reference in docs/authoring.md.',
  }),
  PrerequisiteMissing: entry<{ slug: string }>({
    severity: 'warning',
    message: (a) => `Prerequisite "${a.slug}": no such page in the course.`,
    hint: () =>
      'A prerequisite is a page name relative to this page\'s folder ("physical-copies" for physical-copies.md beside it) or to the course folder. Fix the name or remove it.',
  }),
  LinkMissing: entry<{ target: string }>({
    severity: 'warning',
    message: (a) => `Link to "${a.target}": no such page in the course.`,
    hint: () => 'Fix the path (it is relative to this file) or add the missing page.',
  }),
  LinkFileMissing: entry<{ target: string; resolved: string }>({
    severity: 'warning',
    message: (a) => `Link to "${a.target}": no such file in the course (looked for "${a.resolved}").`,
    hint: () => 'Fix the path (it is relative to this file) or add the file to the course folder.',
  }),
  LinkAnchorMissing: entry<{ target: string; anchor: string; self: boolean; known: string[] }>({
    severity: 'warning',
    message: (a) => `Link to "${a.target}": ${a.self ? 'this' : 'that'} page has no heading or element with the id "${a.anchor}".`,
    hint: (a) =>
      `Heading ids follow MkDocs: lower case, punctuation dropped, spaces as "-", a repeated heading gets "_1", "_2". ${
        a.known.length > 0 ? `Heading ids there: ${a.known.join(', ')}.` : 'That page has no headings.'
      }`,
  }),
  ImageMissing: entry<{ src: string; resolved: string }>({
    severity: 'warning',
    message: (a) => `Image "${a.src}" not found (looked for "${a.resolved}").`,
    hint: () =>
      'Markdown images are relative to the .md file; raw HTML <img src> is relative to the page URL (one more "../"). Fix the path or add the file.',
  }),
  DuplicateRoute: entry<{ kept: string; url: string }>({
    severity: 'warning',
    message: (a) => `This page and "${a.kept}" would both be served at ${a.url}; only "${a.kept}" is.`,
    hint: () => 'Rename or remove one of the two files (in one folder, index.md is kept over README.md, as MkDocs does).',
  }),
  FileSkipped: entry<{ reason: string }>({
    severity: 'warning',
    message: (a) => `This file was skipped: ${a.reason}.`,
    hint: () => 'Fix the link or remove it from the course folder.',
  }),
  CourseSettings: entry<{ detail: string }>({
    severity: 'error',
    message: (a) => `drillbook.yml: ${a.detail}; the default settings are used.`,
    hint: () => 'drillbook.yml holds this course\'s Drillbook settings; the one setting is "links: strict" (or "warn", the default).',
  }),
  MkDocsConfig: entry<{ detail: string }>({
    severity: 'warning',
    message: (a) => `mkdocs.yml: ${a.detail}.`,
    hint: () => 'Drillbook reads docs_dir, site_name and nav from mkdocs.yml; fix the file, or point Drillbook at the pages folder itself.',
  }),
  SnippetMissing: entry<{ name: string; looked: string[] }>({
    severity: 'warning',
    message: (a) =>
      `The snippet "${a.name}" was not found (looked in ${listed(a.looked.map((l) => `"${l}"`))} of the project); the line is left out of the page, as MkDocs leaves it out.`,
    hint: () =>
      "Check the file's name; snippets are read from mkdocs.yml's pymdownx.snippets base_path (by default the project folder, where mkdocs.yml is).",
  }),
  SnippetAppendMissing: entry<{ name: string; looked: string[] }>({
    severity: 'warning',
    message: (a) =>
      `The file "${a.name}" that pymdownx.snippets' auto_append adds to every page was not found (looked in ${listed(a.looked.map((l) => `"${l}"`))} of the project); the pages are built without it, as MkDocs builds them.`,
    hint: () => 'Check the name under auto_append in mkdocs.yml (it is looked up like a snippet, in base_path), or add the file.',
  }),
  SnippetNotRead: entry<{ name: string; reason: string }>({
    severity: 'error',
    message: (a) => `The snippet "${a.name}" is not read: ${a.reason}. The line is left out of the page.`,
    hint: () => 'Copy the file into the project folder and name it from there.',
  }),
  MkDocsDocsDirMissing: entry<{ docsDir: string; given: boolean }>({
    severity: 'error',
    message: (a) =>
      `mkdocs.yml: the pages folder ${a.given ? `docs_dir "${a.docsDir}"` : `"${a.docsDir}" (MkDocs' default docs_dir)`} does not exist, so there is no course to read; MkDocs stops here too.`,
    hint: () => 'Set docs_dir: to the folder that holds the .md pages, or point Drillbook at that folder itself.',
  }),
  MdxSyntax: entry<{ reason: string }>({
    severity: 'error',
    message: (a) => `The MDX does not parse: ${a.reason}.`,
    hint: () =>
      'In an .mdx page "<" and "{" start JSX and expressions: write "&lt;" and "\\{" for the characters, comments as {/* ... */}, and close every element. A JSX element cannot span a fenced block or an admonition: write the block as a component inside it. Until then this part of the page shows its source.',
  }),
  MdxPropExpression: entry<{ component: string; prop: string; code: string }>({
    severity: 'error',
    message: (a) =>
      a.prop === '...'
        ? `<${a.component}> spreads props from code ({${a.code}}), which Drillbook cannot read without running the page.`
        : `Prop "${a.prop}" of <${a.component}> is code (${a.code.length > 60 ? `${a.code.slice(0, 60)}…` : a.code}), which Drillbook cannot read without running the page.`,
    hint: () =>
      "A block's props are its fields, checked before the page is built: write each one as a literal, a \"string\" or {[{ text: 'A', correct: true }]} (strings, numbers, true/false, arrays and objects of them).",
  }),
  MdxBlockChildren: entry<{ component: string; diagram: boolean }>({
    severity: 'error',
    message: (a) => `<${a.component}> takes its fields as props; the content between its tags is not read.`,
    hint: (a) =>
      a.diagram
        ? 'Give the diagram as source="..." or as one string child: <Mermaid>{`graph TD; a --> b`}</Mermaid>.'
        : `Move the content into the prop it belongs to (e.g. scenario="..."), and close the tag at once: <${a.component} ... />.`,
  }),
  MdxUnknownComponent: entry<{ name: string; blocks: string[] }>({
    severity: 'error',
    message: (a) => `<${a.name}> is neither imported on this page nor a Drillbook block.`,
    hint: (a) =>
      `Import it at the top of the page (import ${a.name.split('.')[0]} from './${a.name.split('.')[0]}.astro') or fix the name; the blocks are ${a.blocks.map((b) => `<${b}>`).join(', ')}. The page shows a marker in its place.`,
  }),
  MdxImportMissing: entry<{ source: string; looked: string }>({
    severity: 'error',
    message: (a) => `The page imports "${a.source}", which does not exist (looked for "${a.looked}").`,
    hint: () =>
      'A relative import is a file of the course, relative to this page; a package must be installed in the project. Until it is found, the import is left out and the components it names are shown as markers.',
  }),
  MdxHtmlAttribute: entry<{ tag: string; attribute: string }>({
    severity: 'warning',
    message: (a) => `The <${a.tag}> element's attribute ${a.attribute} is code, so it was left out.`,
    hint: () =>
      'HTML in a page is sanitised like raw HTML in Markdown, which needs each attribute written as a value: class="grid", or a literal such as {"grid"}. Event handlers are never kept.',
  }),
  MdxFragmentHtml: entry<{ attribute: string }>({
    severity: 'warning',
    message: (a) => `<Fragment ${a.attribute}> would put HTML into the page without sanitising it, so it was left out.`,
    hint: () =>
      'Write the HTML in the page itself, where it is sanitised like raw HTML in Markdown; set:text (shown as text) and slot are kept. A component you import may render any HTML: it is code.',
  }),
  InternalError: entry<{ detail: string }>({
    severity: 'error',
    message: (a) => `Drillbook failed while reading this part of the page: ${a.detail}`,
    hint: () => 'This is a bug in Drillbook, not in your content; please report it with this page attached.',
  }),
} as const;

export type ProblemName = keyof typeof catalogue;
type ArgsOf<N extends ProblemName> = Parameters<(typeof catalogue)[N]['message']>[0];

/** Builds a Problem from a catalogue entry and a location. */
export function problem<N extends ProblemName>(name: N, at: ProblemLocation, args: ArgsOf<N>): Problem {
  const e = catalogue[name] as CatalogueEntry<ArgsOf<N>>;
  return {
    name,
    severity: e.severity,
    file: at.file,
    line: at.line,
    column: at.column ?? 1,
    block: at.block,
    path: at.path ?? '',
    message: e.message(args),
    hint: e.hint(args),
  };
}

/** One human-readable line: `file:line:col  severity  block  path  message`. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.column}  ${p.severity}  ${p.block}  ${p.path || '-'}  ${p.message} ${p.hint}`;
}
