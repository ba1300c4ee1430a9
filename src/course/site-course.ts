/**
 * The course the site is built from, loaded once per process. A page is
 * built from `checkedPage(route)`: the course once that page's checks are
 * done (verify.ts, e.g. mermaid's parser on its diagrams), so pages without
 * diagrams need not wait for the diagram checker; `checkedSiteCourse()` is
 * the course with every check done, its problems printed once. In strict
 * mode (DRILLBOOK_STRICT=1, used by CI for our own content) any error fails
 * the build with every problem listed; otherwise errors render as boxes on
 * their pages and are printed as warnings. A course with no pages folder
 * (MkDocsDocsDirMissing) fails the build in any mode: there is nothing to
 * publish, and the repository root must not be published instead.
 */
import { formatProblem } from '../problems/catalogue.ts';
import { contentDir, siteBase, strictBuild } from './config.ts';
import { loadCourse, type Course, type NavSection } from './load-course.ts';
import { startVerify, type Verifying } from './verify.ts';
import type { CourseLesson as Lesson } from '../blocks/registry.ts';

// Shared through globalThis: the dev server loads this module once for the config (integrations) and once, through
// Vite, for the pages, and the course should load once. (A build's pages import the config's: own-modules.ts.)
const CACHE = Symbol.for('drillbook.siteCourse');
const CHECKED = Symbol.for('drillbook.checkedSiteCourse');
const CHANGED = Symbol.for('drillbook.siteCourseChanged');
const AHEAD = Symbol.for('drillbook.siteCourseAhead');
const VERIFYING = Symbol.for('drillbook.siteCourseVerifying');
const store = globalThis as typeof globalThis & {
  [CACHE]?: Course;
  [VERIFYING]?: Promise<Verifying>;
  [CHECKED]?: Promise<Course>;
  [CHANGED]?: string[];
  [AHEAD]?: Promise<void>;
};

/** Problems that stop a build in any mode: there is nothing to publish. */
const fatalProblem = (p: { name: string; severity: string }) => p.severity === 'error' && p.name === 'MkDocsDocsDirMissing';

/** The build says the course is being read ahead (read-ahead.ts): the functions below wait for it instead of doing the same work. */
export function setReadAhead(ahead: Promise<void> | undefined): void {
  store[AHEAD] = ahead;
}

/** The course as parsed, once a read ahead (if any) has the pages in the build cache: what code that can wait should call. */
export async function readSiteCourse(): Promise<Course> {
  await store[AHEAD];
  return siteCourse();
}

export class StrictContentError extends Error {
  override name = 'StrictContentError';
  /** How many content errors stopped the build. */
  readonly errors: number;
  /** The course folder. */
  readonly dir: string;
  constructor(message: string, errors: number, dir: string) {
    super(message);
    this.errors = errors;
    this.dir = dir;
  }
}

/**
 * The course as parsed (its files, routes and assets), without the checks run
 * once per course. Called while a read ahead is still going, it parses in
 * this thread (the same result, later); `readSiteCourse` waits instead.
 */
export function siteCourse(): Course {
  store[CACHE] ??= loadCourse(contentDir(), siteBase());
  return store[CACHE];
}

/** The course's checks (verify.ts), started once. */
function verifying(): Promise<Verifying> {
  store[VERIFYING] ??= readSiteCourse().then(startVerify);
  return store[VERIFYING];
}

/** The course with every check done, problems printed, strict mode enforced. */
export function checkedSiteCourse(): Promise<Course> {
  // Which files this reading is for, taken now: pages no longer wait for every check, so an edit can come (and
  // reloadSiteCourse set the next reading's) before this one's problems are printed.
  const changed = store[CHANGED];
  store[CHECKED] ??= verifying()
    .then((v) => v.done)
    .then((course) => {
      const errors = course.problems.filter((p) => p.severity === 'error');
      if (changed) {
        // Read again after an edit (dev server): the edited files' problems, or that they have none now.
        for (const file of changed) {
          const mine = course.problems.filter((p) => p.file === file);
          process.stderr.write(`[drillbook] ${file}: ${mine.length === 0 ? 'no problems' : `${mine.length} problem(s):`}\n`);
          for (const p of mine) process.stderr.write(`  ${formatProblem(p)}\n`);
        }
      } else if (course.problems.length > 0) {
        process.stderr.write(`[drillbook] ${course.problems.length} content problem(s) in ${course.dir}:\n`);
        for (const p of course.problems) process.stderr.write(`  ${formatProblem(p)}\n`);
      }
      const fatal = errors.filter(fatalProblem);
      if ((strictBuild() && errors.length > 0) || fatal.length > 0) {
        const shown = fatal.length > 0 ? fatal : errors;
        throw new StrictContentError(
          `${shown.length} content error(s) in ${course.dir}${fatal.length > 0 ? '' : ' (strict build)'}:\n${shown.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
          shown.length,
          course.dir,
        );
      }
      return course;
    });
  return store[CHECKED];
}

/**
 * The course once the page at `route` is checked: what a page is built from.
 * Its own checks only (a page without a new diagram does not wait for the
 * diagram checker), while the whole course's go on and print their problems
 * when done. Where the whole course decides whether anything is built (a
 * strict build, a course with no pages folder), every check and the verdict.
 */
export async function checkedPage(route: string): Promise<Course> {
  const v = await verifying();
  const all = checkedSiteCourse();
  // A failed check also fails the pages that wait for it, and `drillbook build`, which waits for the whole course.
  all.catch(() => undefined);
  if (wholeCourseDecides(v.course)) return all;
  const page = v.course.pages.find((p) => p.route === route);
  await (page ? v.pages.get(page) : v.done);
  return v.course;
}

/**
 * The course whose routes are built: as read, or, where the whole course
 * decides whether anything is built, once every check is done and that
 * verdict given (a strict build with an error, or no pages folder, fails).
 */
export async function courseToBuild(): Promise<Course> {
  const course = await readSiteCourse();
  return wholeCourseDecides(course) ? checkedSiteCourse() : course;
}

const wholeCourseDecides = (course: Course) => strictBuild() || course.problems.some(fatalProblem);

/**
 * Forgets the course read so far, so that the next siteCourse() and
 * checkedSiteCourse() read the folder again (the dev server, after a file of
 * the course changed; unchanged pages come from the build cache). `changed`:
 * the course-relative files edited, whose problems are then printed (the
 * others' were printed before); undefined: every problem is printed again,
 * as on the first read (the course's configuration changed).
 */
export function reloadSiteCourse(changed: string[] | undefined): void {
  store[CACHE] = undefined;
  store[VERIFYING] = undefined;
  store[CHECKED] = undefined;
  store[CHANGED] = changed;
  store[AHEAD] = undefined;
}

/** Every section folder, depth-first. */
export function allSections(nav: NavSection): NavSection[] {
  return [nav, ...nav.sections.flatMap(allSections)];
}

/** The section a lesson is listed in. */
export function sectionOf(nav: NavSection, lesson: Lesson): NavSection | undefined {
  return allSections(nav).find((s) => s.index === lesson || s.pages.includes(lesson));
}
