/**
 * Every command builder of the course offers only flags its tool knows: each
 * flag a builder can produce is looked up in the installed tool's own help
 * (`--help`; `aws ... help`, `pgbackrest help COMMAND`). The real binaries are asked, never the
 * sandbox's compatibility wrappers, so a MySQL-only spelling the sandbox
 * translates (`--source-data`) fails here as it would on a Debian server.
 * A tool that is not installed is a failure, not a skip: `./drillbook test`
 * installs them (lvm2 and awscli are in its package list).
 *
 * A value the tool would read apart fails too: one after a space where the
 * help shows the value as optional (`--master-data[=#]`), and, for the
 * MariaDB tools, any value a dry run (`TOOL --no-defaults ARGS --help`, which
 * prints what each option ended up with and connects to nothing) shows was
 * not taken as written.
 *
 * And every command a builder lets the learner build (buildableCommands) is
 * dry-run by the tools that check their options before doing anything: the
 * PostgreSQL clients with PGHOST on a socket directory that does not exist,
 * mysqldump with --socket there, every absolute path moved under it. A
 * command counts as accepted when the tool gets as far as connecting or
 * opening its files; any other refusal (`parallel backup only supported by
 * the directory format`) fails, naming the command.
 */
import { describe, expect, it } from 'vitest';
import { contentDir } from '../../src/course/config.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import type { CommandBuilder } from '../../src/blocks/command-builder/schema.ts';
import {
  buildableCommands,
  builderTool,
  knownOptions,
  offeredFlags,
  problemText,
  readBack,
  unknownFlags,
  valueProbes,
  type KnownOptions,
} from '../../src/cli/builder-flags.ts';
import { run } from '../../src/sandbox/spawn.ts';

/** The installed tools: PostgreSQL 15's own binaries first (Debian's /usr/bin ones are version-picking wrappers). */
const ENV = {
  PATH: '/usr/lib/postgresql/15/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/tmp',
  LANG: 'C.UTF-8',
  PAGER: 'cat',
  AWS_PAGER: '',
};

const helps = new Map<string, Promise<KnownOptions>>();

/** The options the tool's help names; rejects when the tool is missing or prints no help. */
function helpOf(command: string[]): Promise<KnownOptions> {
  const key = command.join(' ');
  let p = helps.get(key);
  if (!p) {
    // aws and pgbackrest print a command's options with `help`, not `--help`: `aws s3 cp help`, `pgbackrest help restore`.
    const argv =
      command[0] === 'aws'
        ? [...command, 'help']
        : command[0] === 'pgbackrest'
          ? ['pgbackrest', 'help', ...command.slice(1)]
          : [...command, '--help'];
    p = run(argv, { env: ENV, timeoutMs: 60_000 }).then(
      (r) => {
        const known = knownOptions(`${r.stdout}\n${r.stderr}`);
        if (known.long.size + known.short.size < 3)
          throw new Error(`${key}: \`${argv.join(' ')}\` printed no option list (exit ${r.code}): ${r.stderr.trim().slice(0, 200)}`);
        return known;
      },
      (e: unknown) => {
        throw new Error(`${key} is not installed here (${(e as Error).message}); ./drillbook test installs it`);
      },
    );
    helps.set(key, p);
  }
  return p;
}

interface CourseBuilder {
  where: string;
  builder: CommandBuilder;
}

/**
 * The dry runs of a MariaDB tool's builder: each value it gives an option,
 * read back from `--help`. Problems as sentences; none for other tools.
 */
async function dryRunProblems(b: CommandBuilder, known: KnownOptions): Promise<string[]> {
  if (!known.myGetopt) return [];
  const { command } = builderTool(b.base);
  const out: string[] = [];
  for (const probe of valueProbes(b)) {
    const r = await run([...command, '--no-defaults', ...probe.args, '--help'], { env: ENV, timeoutMs: 60_000 });
    const got = readBack(r.stdout).get(probe.option);
    // TRUE/FALSE: a switch (`--databases shop`), whose next word is an argument of the command, not its value.
    if (got !== undefined && got !== 'TRUE' && got !== 'FALSE' && got !== probe.expected)
      out.push(
        `${command.join(' ')} ${probe.args.join(' ')}: the dry run shows ${probe.option} = ${got}, not ${probe.expected} (offered by "${probe.from}")`,
      );
  }
  return out;
}

/** Where dry runs point: a directory that does not exist, so nothing is connected to, read or written. */
const NOWHERE = '/nonexistent-drillbook-dry-run';

/** The tools whose dry run is harmless: how to run it, and what says the options were accepted. */
const DRY_RUNS: Record<string, { before: string[]; accepted: RegExp }> = {
  pg_dump: { before: [], accepted: /connection to server .* failed|could not create directory|could not open (output|TOC) file/ },
  pg_restore: { before: [], accepted: /connection to server .* failed|could not open input file/ },
  pg_basebackup: { before: [], accepted: /connection to server .* failed/ },
  pg_receivewal: { before: [], accepted: /connection to server .* failed|could not open directory/ },
  mysqldump: { before: ['--no-defaults', `--socket=${NOWHERE}/mysqld.sock`], accepted: /Got error: 2002: |Can't create\/write to file/ },
  mysqlbinlog: { before: ['--no-defaults'], accepted: /File '[^']*' not found/ },
};

/**
 * A command's words with every absolute (or home) path moved under NOWHERE,
 * and every host named by -h/--host replaced by it (a socket directory: no
 * name is looked up, no network is used).
 */
const elsewhere = (args: string[]): string[] =>
  args.map((w, i) =>
    args[i - 1] === '-h' || args[i - 1] === '--host'
      ? NOWHERE
      : w
          .replace(/^(--host=)[^/].*$/, `$1${NOWHERE}`)
          .replace(/^(-[\w-]*=)?~?\//, (_m, eq: string | undefined) => `${eq ?? ''}${NOWHERE}/`),
  );

/** The buildable commands of a builder its tool refuses, as sentences; none when its tool has no harmless dry run. */
async function refusedCommands(b: CommandBuilder): Promise<{ problems: string[]; ran: number }> {
  const { command } = builderTool(b.base);
  const dry = DRY_RUNS[command.join(' ')];
  if (!dry) return { problems: [], ran: 0 };
  const problems: string[] = [];
  const commands = buildableCommands(b);
  for (const args of commands) {
    const r = await run([...command, ...dry.before, ...elsewhere(args)], {
      env: { ...ENV, PGHOST: NOWHERE, PGCONNECT_TIMEOUT: '2' },
      timeoutMs: 30_000,
    });
    if (r.code === 0 || !dry.accepted.test(r.stderr))
      problems.push(`${command.join(' ')} ${args.join(' ')}: refused (exit ${r.code}): ${r.stderr.trim().split('\n')[0] ?? ''}`);
  }
  return { problems, ran: commands.length };
}

function courseBuilders(): CourseBuilder[] {
  const out: CourseBuilder[] = [];
  for (const lesson of loadCourse(contentDir()).lessons)
    for (const n of lesson.nodes)
      if (n.kind === 'block' && n.ok && n.block.type === 'command-builder')
        out.push({ where: `${lesson.file}:${n.line}`, builder: n.block.data });
  return out;
}

describe('command builders against the installed tools', () => {
  it('every flag every builder of the course can produce is one its tool accepts', async () => {
    const builders = courseBuilders();
    expect(builders.length).toBeGreaterThan(0);
    const problems: string[] = [];
    let checked = 0;
    for (const { where, builder } of builders) {
      const { command } = builderTool(builder.base);
      let known: KnownOptions;
      try {
        known = await helpOf(command);
      } catch (e) {
        problems.push(`${where}: ${(e as Error).message}`);
        continue;
      }
      checked += offeredFlags(builder).length;
      for (const p of unknownFlags(builder, known)) problems.push(`${where}: ${problemText(p)}`);
      for (const p of await dryRunProblems(builder, known)) problems.push(`${where}: ${p}`);
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('every command a builder lets the learner build is accepted by a dry run of its tool, where one is harmless', async () => {
    const problems: string[] = [];
    const ran = new Map<string, number>();
    for (const { where, builder } of courseBuilders()) {
      const r = await refusedCommands(builder);
      for (const p of r.problems) problems.push(`${where}: ${p}`);
      const tool = builderTool(builder.base).command.join(' ');
      ran.set(tool, (ran.get(tool) ?? 0) + r.ran);
    }
    expect(problems).toEqual([]);
    // Each tool with a harmless dry run is exercised by the course (a renamed tool must not silently drop out).
    for (const tool of Object.keys(DRY_RUNS)) expect(ran.get(tool) ?? 0, tool).toBeGreaterThan(10);
  });

  const builder = (base: string, flag: string): CommandBuilder => ({
    id: 'b',
    base,
    join: 'space',
    pieces: [{ kind: 'switch', flag, label: 'Piece', required: false, choices: [] }],
  });

  it('a builder offering a flag the tool does not know fails, naming the flag and the tool', async () => {
    const mysqldump = await helpOf(['mysqldump']);
    expect(unknownFlags(builder('mysqldump', '--no-such-flag'), mysqldump)).toEqual([
      { tool: 'mysqldump', word: '--no-such-flag', from: 'Piece' },
    ]);
    // MySQL 8's spelling: MariaDB's mysqldump rejects it (only the sandbox translates it).
    expect(unknownFlags(builder('mysqldump', '--source-data=2'), mysqldump)).toEqual([
      { tool: 'mysqldump', word: '--source-data=2', from: 'Piece' },
    ]);
    expect(unknownFlags(builder('mysqldump', '--skip-triggers --master-data=2'), mysqldump)).toEqual([]);
    const pgDump = await helpOf(['pg_dump']);
    expect(unknownFlags(builder('sudo -u postgres pg_dump', '-Fc -Z 0 --lock-wait-timeout=30s'), pgDump)).toEqual([]);
    expect(unknownFlags(builder('sudo -u postgres pg_dump', '--parallel'), pgDump)).toEqual([
      { tool: 'pg_dump', word: '--parallel', from: 'Piece' },
    ]);
    const mariabackup = await helpOf(['mariabackup']);
    expect(unknownFlags(builder('mariabackup --prepare', '--apply-log-only'), mariabackup)).toEqual([
      { tool: 'mariabackup', word: '--apply-log-only', from: 'Piece' },
    ]);
  });

  it('a value after a space where the tool takes it only attached fails: the old mysqldump builder', async () => {
    // content/mariadb/mysqldump.md before the fix: piece flag --master-data, choices 2 and 1.
    const old: CommandBuilder = {
      id: 'nightly',
      base: 'mysqldump',
      join: 'space',
      pieces: [
        { kind: 'switch', flag: '--single-transaction', label: 'One InnoDB snapshot', required: false, choices: [] },
        {
          kind: 'choice',
          flag: '--master-data',
          label: 'Binlog position',
          required: false,
          choices: [
            { value: '2', label: 'As a comment' },
            { value: '1', label: 'As a CHANGE MASTER statement' },
          ],
        },
      ],
    };
    const mysqldump = await helpOf(['mysqldump']);
    expect(unknownFlags(old, mysqldump).map(problemText)).toEqual([
      'mysqldump reads "--master-data 2" as --master-data without a value and a separate argument 2: its value is optional, so write --master-data=2 (offered by "Binlog position")',
      'mysqldump reads "--master-data 1" as --master-data without a value and a separate argument 1: its value is optional, so write --master-data=1 (offered by "Binlog position")',
    ]);
    // The dry run agrees: mysqldump took --master-data 2 as --master-data=1.
    expect(await dryRunProblems(old, mysqldump)).toEqual([
      'mysqldump --master-data 2: the dry run shows master-data = 1, not 2 (offered by "Binlog position")',
    ]);
    // Attached, both checks pass.
    const fixed: CommandBuilder = {
      ...old,
      pieces: [old.pieces[0]!, { ...old.pieces[1]!, flag: '', choices: [{ value: '--master-data=2', label: 'As a comment' }] }],
    };
    expect(unknownFlags(fixed, mysqldump)).toEqual([]);
    expect(await dryRunProblems(fixed, mysqldump)).toEqual([]);
    // A value the tool requires may follow after a space (mariabackup --parallel=#), and the dry run confirms it.
    const mariabackup = await helpOf(['mariabackup']);
    const parallel = builder('mariabackup --backup', '--parallel 4');
    expect(unknownFlags(parallel, mariabackup)).toEqual([]);
    expect(await dryRunProblems(parallel, mariabackup)).toEqual([]);
    // GNU tools write an optional value the same way: ls --color[=WHEN].
    expect(unknownFlags(builder('ls', '--color always'), await helpOf(['ls'])).map(problemText)).toEqual([
      'ls reads "--color always" as --color without a value and a separate argument always: its value is optional, so write --color=always (offered by "Piece")',
    ]);
  });
});
