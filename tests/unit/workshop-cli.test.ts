/**
 * `drillbook workshop create|link|list` (src/cli/workshop.ts) in-process, on
 * a temporary state dir's SQLite store: what the operator reads (the join
 * code, the learners' link, a one-time instructor link that signs in once,
 * the capacity note) and the exact refusals of bad arguments (exit 2) and of
 * things that do not exist (exit 1).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runWorkshop } from '../../src/cli/workshop.ts';
import { openStore } from '../../src/store/index.ts';

const ORIGIN = 'https://class.example';
const USAGE = `usage: drillbook workshop create --title "…" --seats N [--lessons a,b,…] [--starts ISO --ends ISO] [--instructor NAME]
       drillbook workshop link [--instructor NAME] [--workshop ID]
       drillbook workshop list [--instructor NAME]`;

let state = '';
let out = '';
let err = '';
beforeEach(() => {
  state = mkdtempSync(join(tmpdir(), 'drillbook-ws-cli-'));
  vi.stubEnv('DRILLBOOK_STATE_DIR', state);
  vi.stubEnv('DRILLBOOK_PUBLIC_URL', ORIGIN);
  vi.stubEnv('DRILLBOOK_SANDBOX', 'on');
  vi.stubEnv('DRILLBOOK_MAX_SANDBOXES', '3');
  vi.stubEnv('DRILLBOOK_DATABASE_URL', '');
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function run(...args: string[]): Promise<number> {
  out = '';
  err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
    out += String(s);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    err += String(s);
    return true;
  });
  try {
    return await runWorkshop(args);
  } finally {
    vi.restoreAllMocks();
  }
}

/** Uses a one-time sign-in token against the store the CLI wrote (as GET /instructor/login/:token does). */
async function useToken(token: string) {
  const store = await openStore({ stateDir: state });
  try {
    return await store.workshops.useLoginToken(token);
  } finally {
    await store.close();
  }
}

describe('drillbook workshop', () => {
  it('create prints the join code, the learners’ link, a one-time instructor link and what the host can hold; list shows it', async () => {
    const code = await run(
      'create',
      '--title',
      'Backups 101',
      '--seats',
      '5',
      '--lessons',
      'logical-vs-physical,mariadb/lab-mysqldump-full-restore',
      '--starts',
      '2030-05-04T09:00:00+02:00',
      '--ends',
      '2030-05-04T11:00:00+02:00',
    );
    expect([code, err]).toEqual([0, '']);
    const lines = out.split('\n');
    expect(lines[0]).toBe('Workshop "Backups 101" created: 5 seats, from 2030-05-04T07:00:00.000Z to 2030-05-04T09:00:00.000Z.');
    const join = /^Join code: ([2-9A-Z]{3}-[2-9A-Z]{3}) {3}\(learners open (\S+), or enter the code on the home page\)$/.exec(lines[1]!);
    expect(join).not.toBeNull();
    expect(join![2]).toBe(`${ORIGIN}/join/${join![1]}`);
    const link = /^Instructor link \(one use, 24 h\): https:\/\/class\.example\/instructor\/login\/([A-Za-z0-9_-]+)$/.exec(lines[2]!);
    expect(link).not.toBeNull();
    expect(lines[3]).toBe(
      'Note: This server can hold 3 sandboxes for this workshop at once (its capacity, less the seats of workshops at the same time), not 5: past 3, learners wait for a sandbox to free up. Lower the seats, raise DRILLBOOK_MAX_SANDBOXES on a bigger host, or split the class.',
    );
    expect(lines.slice(4)).toEqual(['']);

    // The link signs the default instructor in once, into this workshop.
    const first = await useToken(link![1]!);
    expect(first).toMatchObject({ instructor: 'instructor' });
    expect(await useToken(link![1]!)).toBeUndefined();

    expect(await run('list')).toBe(0);
    expect(out).toBe(`${join![1]}  scheduled  0/5  Backups 101  (id ${first!.workshop})\n`);
    // Another instructor's list does not show it.
    expect(await run('list', '--instructor', 'bo')).toBe(0);
    expect(out).toBe('');
  });

  it('link prints a one-time sign-in link, to a workshop of the instructor’s or to the instructor page', async () => {
    expect(await run('create', '--title', 'W', '--seats', '2')).toBe(0);
    expect(out).not.toContain('Note:');
    expect(await run('list')).toBe(0);
    const id = /\(id ([^)]+)\)/.exec(out)![1]!;
    expect(await run('link', '--workshop', id)).toBe(0);
    const token = new RegExp(`^${ORIGIN}/instructor/login/([A-Za-z0-9_-]+)\\n$`).exec(out)?.[1];
    expect(await useToken(token!)).toEqual({ instructor: 'instructor', workshop: id });
    expect(await run('link', '--instructor', 'Ana')).toBe(0);
    expect(await useToken(/login\/(\S+)/.exec(out)![1]!)).toEqual({ instructor: 'ana', workshop: null });
    // Not ana's workshop.
    expect(await run('link', '--instructor', 'ana', '--workshop', id)).toBe(1);
    expect(err).toBe(`drillbook workshop: no workshop ${id} of ana\n`);
  });

  it('refuses bad arguments with exit 2 and says what is wrong', async () => {
    const cases: [string[], string][] = [
      [['frob'], `drillbook workshop: unknown subcommand "frob"\n${USAGE}\n`],
      [[], `drillbook workshop: unknown subcommand ""\n${USAGE}\n`],
      [['create', '--title', 'W', '--seat', '3'], `drillbook workshop: Unknown option '--seat'\n${USAGE}\n`],
      [['create', '--title', 'W'], `drillbook workshop: --title and --seats (a whole number from 1 to 1000) are needed\n${USAGE}\n`],
      [
        ['create', '--title', 'W', '--seats', '0'],
        `drillbook workshop: --title and --seats (a whole number from 1 to 1000) are needed\n${USAGE}\n`,
      ],
      [
        ['create', '--title', 'W', '--seats', '2.5'],
        `drillbook workshop: --title and --seats (a whole number from 1 to 1000) are needed\n${USAGE}\n`,
      ],
      [
        ['create', '--title', ' ', '--seats', '3'],
        `drillbook workshop: --title and --seats (a whole number from 1 to 1000) are needed\n${USAGE}\n`,
      ],
      [
        ['create', '--title', 'W', '--seats', '3', '--starts', 'tomorrow'],
        'drillbook workshop: --starts "tomorrow" is not a date and time: write ISO 8601, e.g. 2026-05-04T09:00:00+02:00\n',
      ],
      [
        ['create', '--title', 'W', '--seats', '3', '--starts', '2030-05-04T11:00:00Z', '--ends', '2030-05-04T09:00:00Z'],
        'drillbook workshop: --ends must be after --starts\n',
      ],
      [['list', '--instructor', 'Bad Name'], 'drillbook workshop: --instructor "Bad Name": lower-case letters, digits, . _ - only\n'],
    ];
    for (const [args, message] of cases) {
      expect(await run(...args), args.join(' ')).toBe(2);
      expect(err, args.join(' ')).toBe(message);
      expect(out).toBe('');
    }
    // Nothing was created by any of them.
    expect(await run('list')).toBe(0);
    expect(out).toBe('');
  });

  it('an unknown lesson is refused with exit 1, naming it', async () => {
    expect(await run('create', '--title', 'W', '--seats', '3', '--lessons', 'no-such-lesson')).toBe(1);
    expect(err).toMatch(/^drillbook workshop: no such lesson in the course: "no-such-lesson"/);
    expect(out).toBe('');
  });
});
