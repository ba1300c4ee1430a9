/**
 * Commands answer a mistyped option or a bad number at once, with exit 2, a
 * message naming what was wrong and the command's usage, before doing any
 * work (no build, no sandbox, no store).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function run(args: string): { code: number | null; first: string } {
  const r = spawnSync(process.execPath, ['src/cli/main.ts', ...args.split(' ')], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, first: `${r.stderr}${r.stdout}`.split('\n')[0] ?? '' };
}

describe('command-line mistakes', () => {
  it.each([
    [
      'bench build --runs abc',
      'drillbook bench build: --runs must be a whole number of at least 1 (got "abc"). usage: drillbook bench build [--course FOLDER | --pages N] [--vs-mkdocs [--max-ratio R]] [--runs N]',
    ],
    [
      'bench build --frob',
      "drillbook bench build: Unknown option '--frob'. usage: drillbook bench build [--course FOLDER | --pages N] [--vs-mkdocs [--max-ratio R]] [--runs N]",
    ],
    [
      'bench labs --runs 0',
      'drillbook bench labs: --runs must be a whole number of at least 1 (got "0"). usage: drillbook bench labs [--runs N] [--only LAB_ID]',
    ],
    ['bench sandbox --learners x', 'drillbook bench sandbox: --learners must be a whole number of at least 1 (got "x")'],
    ['replays verify --jobs 0', 'drillbook replays verify: --jobs must be a whole number from 1 to 16, not "0"'],
    ['build --nope', "drillbook build: Unknown option '--nope'. usage: drillbook build [--strict] [--quiet]"],
  ])('%s', (args, message) => {
    expect(run(args)).toEqual({ code: 2, first: message });
  });
});
