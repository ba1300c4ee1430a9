/**
 * Every command builder of the course offers only flags its tool knows: each
 * flag a builder can produce is looked up in the installed tool's own help
 * (`--help`; `aws ... help`, `pgbackrest help COMMAND`). The real binaries are asked, never the
 * sandbox's compatibility wrappers, so a MySQL-only spelling the sandbox
 * translates (`--source-data`) fails here as it would on a Debian server.
 * A tool that is not installed is a failure, not a skip: `./drillbook test`
 * installs them (lvm2 and awscli are in its package list).
 */
import { describe, expect, it } from 'vitest';
import { contentDir } from '../../src/course/config.ts';
import { loadCourse } from '../../src/course/load-course.ts';
import type { CommandBuilder } from '../../src/blocks/command-builder/schema.ts';
import { builderTool, knownOptions, offeredFlags, unknownFlags, type KnownOptions } from '../../src/cli/builder-flags.ts';
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
      for (const p of unknownFlags(builder, known)) problems.push(`${where}: ${p.tool} does not accept ${p.word} (offered by "${p.from}")`);
    }
    expect(problems).toEqual([]);
    expect(checked).toBeGreaterThan(20);
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
});
