/**
 * `drillbook workshop create|link|list`: workshops from the command line,
 * written to the same results store as the server (the server sees them at
 * once: it reads workshops from the store).
 *
 *   create --title T --seats N [--lessons a,b] [--starts ISO --ends ISO] [--instructor NAME]
 *          prints the join code, the learners' join link and a one-time instructor link
 *   link [--instructor NAME] [--workshop ID]   a one-time sign-in link (24 h)
 *   list [--instructor NAME]                   workshops, newest first
 */
import { totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { contentDir } from '../course/config.ts';
import { loadCourse } from '../course/load-course.ts';
import { ConfigError, hostCapacity, loadServerConfig, publicOrigin } from '../server/config.ts';
import { openStore } from '../store/index.ts';
import { DEFAULT_INSTRUCTOR, INSTRUCTOR_NAME } from '../workshops/instructors.ts';
import { courseOutline, type Outline } from '../workshops/outline.ts';
import { WorkshopError, WorkshopService } from '../workshops/service.ts';

const USAGE = `usage: drillbook workshop create --title "…" --seats N [--lessons a,b,…] [--starts ISO --ends ISO] [--instructor NAME]
       drillbook workshop link [--instructor NAME] [--workshop ID]
       drillbook workshop list [--instructor NAME]`;

/** The course as list and link need it: nothing (they name workshops, not lessons). */
const NO_COURSE: Outline = { lessons: [], blocks: new Map(), exercises: new Set(), labLesson: new Map() };

const err = (line: string) => process.stderr.write(`drillbook workshop: ${line}\n`);

export async function runWorkshop(args: string[]): Promise<number> {
  const [what, ...rest] = args;
  let v;
  try {
    v = parseArgs({
      args: rest,
      options: {
        title: { type: 'string' },
        seats: { type: 'string' },
        lessons: { type: 'string' },
        starts: { type: 'string' },
        ends: { type: 'string' },
        instructor: { type: 'string' },
        workshop: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!['create', 'link', 'list'].includes(what ?? '')) {
    err(`unknown subcommand "${what ?? ''}"\n${USAGE}`);
    return 2;
  }
  const instructor = (v.instructor ?? DEFAULT_INSTRUCTOR).toLowerCase();
  if (!INSTRUCTOR_NAME.test(instructor)) {
    err(`--instructor "${v.instructor}": lower-case letters, digits, . _ - only`);
    return 2;
  }
  // Arguments are checked before anything is opened or read: a typo is answered at once.
  const iso = (name: string, t: string | undefined) => {
    if (t === undefined) return undefined;
    const ms = Date.parse(t);
    if (Number.isNaN(ms)) throw new Error(`--${name} "${t}" is not a date and time: write ISO 8601, e.g. 2026-05-04T09:00:00+02:00`);
    return new Date(ms).toISOString();
  };
  const seats = Number(v.seats);
  let startsAt: string | undefined;
  let endsAt: string | undefined;
  if (what === 'create') {
    if (!v.title?.trim() || !Number.isInteger(seats) || seats < 1 || seats > 1000) {
      err(`--title and --seats (a whole number from 1 to 1000) are needed\n${USAGE}`);
      return 2;
    }
    try {
      startsAt = iso('starts', v.starts);
      endsAt = iso('ends', v.ends);
      if (startsAt && endsAt && endsAt <= startsAt) throw new Error('--ends must be after --starts');
    } catch (e) {
      err((e as Error).message);
      return 2;
    }
  }
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
  const origin = publicOrigin(config);
  try {
    const service = new WorkshopService({
      store,
      // Only a new workshop's lessons are looked up in the course; list and link do not read it.
      outline: what === 'create' ? courseOutline(loadCourse(contentDir())) : NO_COURSE,
      manager: null,
      hostCapacity: config.sandbox ? hostCapacity(config, totalmem()) : 0,
      prewarmMs: config.prewarmMs,
      publicOrigin: origin,
      base: '/',
    });
    if (what === 'list') {
      for (const w of await service.list(instructor))
        process.stdout.write(`${w.shownCode}  ${w.state.padEnd(9)}  ${w.members}/${w.seats}  ${w.title}  (id ${w.id})\n`);
      return 0;
    }
    if (what === 'link') {
      if (v.workshop) await service.owned(instructor, v.workshop);
      const token = await service.createLoginToken(instructor, v.workshop ?? null);
      process.stdout.write(`${origin}/instructor/login/${token}\n`);
      return 0;
    }
    const lessons = (v.lessons ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const created = await service.create(instructor, { title: v.title!.trim(), seats, lessons, startsAt, endsAt });
    const w = created.workshop;
    const token = await service.createLoginToken(instructor, w.id);
    process.stdout.write(
      [
        `Workshop "${w.title}" created: ${w.seats} seats${w.startsAt ? `, from ${w.startsAt}` : ''}${w.endsAt ? ` to ${w.endsAt}` : ''}.`,
        `Join code: ${w.shownCode}   (learners open ${w.joinUrl}, or enter the code on the home page)`,
        `Instructor link (one use, 24 h): ${origin}/instructor/login/${token}`,
        ...(created.capacity.note ? [`Note: ${created.capacity.note}`] : []),
        '',
      ].join('\n'),
    );
    return 0;
  } catch (e) {
    if (e instanceof WorkshopError) {
      err(
        e.kind === 'UnknownLesson'
          ? String(e.arg)
          : e.kind === 'WorkshopNotFound'
            ? `no workshop ${v.workshop} of ${instructor}`
            : e.message,
      );
      return 1;
    }
    throw e;
  } finally {
    await store.close();
  }
}
