/**
 * Which flags a command builder can put on a command line, and whether the
 * tool it runs knows them, judged from the tool's own `--help` text. Pure:
 * the caller runs the tool (tests/integration/builder-flags.test.ts).
 *
 * The tool is the base's first word, after `sudo` and its options; words
 * that follow it before the first flag are subcommands (`aws s3 cp`). A
 * flag is any word of the base, of a switch, of a piece's flag or of a
 * choice's value that starts with `-`; text typed by the learner is not
 * known in advance and is not checked.
 */
import type { CommandBuilder } from '../blocks/command-builder/schema.ts';

export interface BuilderTool {
  /** argv of the tool and its subcommands: `['aws', 's3', 'cp']`. */
  command: string[];
  /** Flags written in the base itself (`lvcreate --snapshot`). */
  baseFlags: string[];
}

export interface OfferedFlag {
  /** The word as the command line would hold it: `-Fc`, `--master-data=2`. */
  word: string;
  /** The piece's label, or "base". */
  from: string;
}

/** Splits a command fragment into words the way a shell would for simple quoting. */
export function words(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of s.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

const isFlag = (w: string) => /^--?[A-Za-z0-9?]/.test(w);

export function builderTool(base: string): BuilderTool {
  const w = words(base);
  let i = 0;
  if (w[0] === 'sudo') {
    i = 1;
    while (i < w.length && w[i]!.startsWith('-')) i += /^-[ugCDhpRTU]$/.test(w[i]!) ? 2 : 1;
  }
  const command: string[] = [];
  if (i < w.length) command.push(w[i++]!);
  while (i < w.length && !isFlag(w[i]!) && /^[a-z][a-z0-9-]*$/.test(w[i]!)) command.push(w[i++]!);
  return { command, baseFlags: w.slice(i).filter(isFlag) };
}

/** Every flag the builder can produce, with the piece it comes from. */
export function offeredFlags(b: CommandBuilder): OfferedFlag[] {
  const out: OfferedFlag[] = builderTool(b.base).baseFlags.map((word) => ({ word, from: 'base' }));
  if (b.join === 'concat') return out; // template parts are fragments of an expression, not flags
  for (const p of b.pieces) {
    const from = p.label;
    const add = (s: string) =>
      words(s)
        .filter(isFlag)
        .forEach((word) => out.push({ word, from }));
    if (p.kind === 'switch' || p.kind === 'text') add(p.flag);
    else for (const c of p.choices) add(`${p.flag} ${c.value}`);
  }
  return out;
}

export interface KnownOptions {
  long: Set<string>;
  short: Set<string>;
  /** MariaDB/MySQL tools (my_getopt): `--skip-X`, `--disable-X`, `--enable-X` for any `--X`; `_` and `-` alike. */
  myGetopt: boolean;
}

/** The options a `--help` text names. */
export function knownOptions(help: string): KnownOptions {
  const long = new Set<string>();
  const short = new Set<string>();
  for (const m of help.matchAll(/(?<![\w-])--([A-Za-z0-9][\w-]*)/g)) long.add(`--${m[1]!.replace(/_/g, '-')}`);
  for (const m of help.matchAll(/(?:^|[\s,|[(])-([A-Za-z0-9?])(?=[\s,|\]=)]|$)/gm)) short.add(`-${m[1]}`);
  return { long, short, myGetopt: long.has('--print-defaults') && long.has('--no-defaults') };
}

/** Whether the tool accepts `word` as an option, by its help text. */
export function accepts(known: KnownOptions, word: string): boolean {
  if (word.startsWith('--')) {
    const name = word.split('=')[0]!.replace(/_/g, '-');
    if (known.long.has(name)) return true;
    if (known.myGetopt) {
      const m = /^--(?:skip|disable|enable)-(.+)$/.exec(name);
      if (m && known.long.has(`--${m[1]}`)) return true;
      const loose = /^--loose-(.+)$/.exec(name);
      if (loose && known.long.has(`--${loose[1]}`)) return true;
    }
    return false;
  }
  // A short option, alone (-j), with its value attached (-Fc, -Z0) or with others after it (-tA).
  return known.short.has(word.slice(0, 2));
}

export interface FlagProblem {
  tool: string;
  word: string;
  from: string;
}

/** The builder's flags its tool does not know. */
export function unknownFlags(b: CommandBuilder, known: KnownOptions): FlagProblem[] {
  const tool = builderTool(b.base).command.join(' ');
  return offeredFlags(b)
    .filter((f) => !accepts(known, f.word))
    .map((f) => ({ tool, word: f.word, from: f.from }));
}
