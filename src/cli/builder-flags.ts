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
 *
 * How a value is attached is checked too: a flag whose value the help shows
 * as optional (`--master-data[=#]`, GNU `--color[=WHEN]`) takes a value only
 * when it is attached (`--master-data=2`); a value after a space is read as a
 * separate argument (`--master-data 2` is --master-data=1 and a stray `2`).
 * For the MariaDB tools the reading is also confirmed by a harmless dry run:
 * `TOOL --no-defaults ARGS --help` prints the value each option ended up with
 * and exits without connecting (valueProbes, readBack).
 */
import { assemble, type Selection } from '../blocks/command-builder/assemble.ts';
import { blockedBy, unmetRequirements } from '../blocks/command-builder/conflicts.ts';
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
  /** The word after it, after a space, when that is not a flag: a value (or an argument) the tool may read apart. */
  next?: string;
}

/**
 * Splits a command fragment into words the way a shell would for simple
 * quoting: quoted parts may sit inside a word (`--stop-datetime='2026-03-14
 * 14:31:00'` is one word), and the quotes go.
 */
export function words(s: string): string[] {
  const out: string[] = [];
  const re = /(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s'"]+)+/g;
  for (const m of s.matchAll(re))
    out.push(
      m[0].replace(
        /"((?:[^"\\]|\\.)*)"|'([^']*)'/g,
        (_q, dq: string | undefined, sq: string | undefined) => dq?.replace(/\\(.)/g, '$1') ?? sq ?? '',
      ),
    );
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
    const add = (ws: string[]) =>
      ws.forEach((word, i) => {
        if (!isFlag(word)) return;
        const next = ws[i + 1];
        out.push(next !== undefined && !isFlag(next) ? { word, from, next } : { word, from });
      });
    if (p.kind === 'switch') add(words(p.flag));
    // The learner's text follows the flag after a space: stand for it with a placeholder.
    else if (p.kind === 'text') add(p.flag.trim() === '' ? [] : [...words(p.flag), `<${p.placeholder ?? 'text'}>`]);
    else for (const c of p.choices) add(words(`${p.flag} ${c.value}`));
  }
  return out;
}

export interface KnownOptions {
  long: Set<string>;
  short: Set<string>;
  /** MariaDB/MySQL tools (my_getopt): `--skip-X`, `--disable-X`, `--enable-X` for any `--X`; `_` and `-` alike. */
  myGetopt: boolean;
  /** Options whose value the help shows as optional (`--master-data[=#]`, `-p, --password[=name]`): long names and their short letters. */
  optionalValue: Set<string>;
}

/** The options a `--help` text names. */
export function knownOptions(help: string): KnownOptions {
  const long = new Set<string>();
  const short = new Set<string>();
  for (const m of help.matchAll(/(?<![\w-])--([A-Za-z0-9][\w-]*)/g)) long.add(`--${m[1]!.replace(/_/g, '-')}`);
  for (const m of help.matchAll(/(?:^|[\s,|[(])-([A-Za-z0-9?])(?=[\s,|\]=)]|$)/gm)) short.add(`-${m[1]}`);
  const optionalValue = new Set<string>();
  for (const m of help.matchAll(/(?:(?<![\w-])-([A-Za-z0-9#?]),\s*)?(?<![\w-])--([A-Za-z0-9][\w-]*)\[=/g)) {
    optionalValue.add(`--${m[2]!.replace(/_/g, '-')}`);
    if (m[1]) optionalValue.add(`-${m[1]}`);
  }
  return { long, short, myGetopt: long.has('--print-defaults') && long.has('--no-defaults'), optionalValue };
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
  /** Set when the flag is known but its value, after a space, is not read as its value. */
  misread?: string;
}

/** The sentence the builder check prints for a problem. */
export function problemText(p: FlagProblem): string {
  if (p.misread === undefined) return `${p.tool} does not accept ${p.word} (offered by "${p.from}")`;
  return `${p.tool} reads "${p.word} ${p.misread}" as ${p.word} without a value and a separate argument ${p.misread}: its value is optional, so write ${p.word}${p.word.startsWith('--') ? '=' : ''}${p.misread} (offered by "${p.from}")`;
}

/** Whether the tool takes `word`'s value only when attached with `=` (a short one: written right after it). */
function optionalValued(known: KnownOptions, word: string): boolean {
  if (word.includes('=')) return false;
  if (word.startsWith('--')) return known.optionalValue.has(word.replace(/_/g, '-'));
  return word.length === 2 && known.optionalValue.has(word);
}

/** Flags the builder follows with a value after a space where the tool takes that value only attached. */
export function misreadValues(b: CommandBuilder, known: KnownOptions): FlagProblem[] {
  const tool = builderTool(b.base).command.join(' ');
  return offeredFlags(b)
    .filter((f) => f.next !== undefined && optionalValued(known, f.word))
    .map((f) => ({ tool, word: f.word, from: f.from, misread: f.next! }));
}

/** The builder's flags its tool does not know, then the values it would misread. */
export function unknownFlags(b: CommandBuilder, known: KnownOptions): FlagProblem[] {
  const tool = builderTool(b.base).command.join(' ');
  return [
    ...offeredFlags(b)
      .filter((f) => !accepts(known, f.word))
      .map((f) => ({ tool, word: f.word, from: f.from })),
    ...misreadValues(b, known),
  ];
}

/** One dry run of a MariaDB tool: `argv` then `--help`, and the value `option` must end up with. */
export interface ValueProbe {
  /** The piece's words as the command line holds them: `['--master-data', '2']`. */
  args: string[];
  /** The option's name as the help's value table prints it: `master-data`. */
  option: string;
  expected: string;
  from: string;
}

/**
 * The dry runs that confirm each value a builder gives a long option reaches
 * that option (`--parallel 4`, `--master-data=2`), one per piece or choice.
 * Values holding shell syntax or placeholders are left out.
 */
export function valueProbes(b: CommandBuilder): ValueProbe[] {
  if (b.join === 'concat') return [];
  const out: ValueProbe[] = [];
  for (const p of b.pieces) {
    const fragments = p.kind === 'choice' ? p.choices.map((c) => `${p.flag} ${c.value}`) : p.kind === 'switch' ? [p.flag] : [];
    for (const f of fragments) {
      const ws = words(f);
      if (ws.some((w) => /[|<>$`;&(){}~*]/.test(w))) continue;
      ws.forEach((w, i) => {
        const attached = /^--([A-Za-z0-9][\w-]*)=(.+)$/.exec(w);
        const next = ws[i + 1];
        if (attached) out.push({ args: ws, option: attached[1]!, expected: attached[2]!, from: p.label });
        else if (/^--[A-Za-z0-9][\w-]*$/.test(w) && next !== undefined && !isFlag(next))
          out.push({ args: ws, option: w.slice(2), expected: next, from: p.label });
      });
    }
  }
  return out;
}

/**
 * The value each option ended up with, from a MariaDB tool's `--help` after
 * its options (the table after "Variables (--variable-name=value)").
 */
export function readBack(help: string): Map<string, string> {
  const out = new Map<string, string>();
  const at = help.indexOf('Variables (--variable-name=value)');
  if (at < 0) return out;
  for (const line of help.slice(at).split('\n').slice(3)) {
    const m = /^(\S+)\s+(.*?)\s*$/.exec(line);
    if (m) out.set(m[1]!.replace(/_/g, '-'), m[2]!);
  }
  return out;
}

/**
 * Every command the learner can build (what the builder's conflicts leave
 * choosable, with every requirement met and every required piece chosen), as
 * argv words after the tool. A text piece is left empty or given its
 * placeholder. Commands holding shell syntax (a pipe, a redirection) are
 * left out. Stops after `limit` commands.
 */
export function buildableCommands(b: CommandBuilder, limit = 5000): string[][] {
  const options: Selection[][] = b.pieces.map((p) => {
    if (p.kind === 'switch') return [false, true];
    if (p.kind === 'text') return p.placeholder && !p.required ? ['', p.placeholder] : [p.placeholder ?? ''];
    const picks: Selection[] = p.choices.map((_, i) => i);
    return p.required ? picks : [null, ...picks];
  });
  const out: string[][] = [];
  const tool = builderTool(b.base).command.length;
  const sel: Selection[] = [];
  const walk = (i: number): void => {
    if (out.length >= limit) return;
    if (i === b.pieces.length) {
      if (blockedBy(b.pieces, b.conflicts ?? [], sel).some((x) => chosen(b, sel, x.piece, x.choice))) return;
      if (unmetRequirements(b.pieces, b.requires ?? [], sel).length > 0) return;
      // A command substitution stands for one word (`base-$(date +%F)` → `base-DATE`).
      const cmd = assemble(b, sel).replace(/\$\([^)]*\)/g, 'DATE');
      if (/[|<>;&`]/.test(cmd.replace(/'[^']*'|"[^"]*"/g, ''))) return;
      const w = words(cmd);
      out.push(w.slice(w[0] === 'sudo' ? w.indexOf(builderTool(b.base).command[0]!) + tool : tool));
      return;
    }
    for (const o of options[i]!) {
      sel[i] = o;
      walk(i + 1);
    }
  };
  walk(0);
  return out;
}

/** Whether piece `piece` (or its choice `choice`) is what the selection holds: a ruled-out option that is chosen. */
function chosen(b: CommandBuilder, sel: readonly Selection[], piece: number, choice: number | undefined): boolean {
  const s = sel[piece];
  const p = b.pieces[piece];
  if (!p) return false;
  if (choice !== undefined) return s === choice;
  if (p.kind === 'switch') return s === true;
  if (p.kind === 'text') return typeof s === 'string' && s.trim() !== '';
  return typeof s === 'number' && (p.choices[s]?.value.trim() ?? '') !== '';
}
