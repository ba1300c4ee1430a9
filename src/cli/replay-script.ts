/**
 * Replay scripts: the source a recorded `terminal` block comes from. Pure (no
 * files, no processes): `parseReplayScript` reads the text, the caller reads
 * the file.
 *
 * A replay script is a bash file that also runs as it is:
 *
 *   #% title: Dump a database and prove it restores
 *   #% scenario: MariaDB 10.11 holds a small `shop` database.
 *   #%   A header value goes on over lines that start with `#%` and spaces.
 *   #% mask: binlog\.\d+:(\d+)
 *   mariadb -e 'CREATE DATABASE shop'      <- before the first `#>`: preparation,
 *                                             run (bash -e) but not shown
 *   #> `--single-transaction` reads every table from one snapshot.
 *   mysqldump --single-transaction shop > /srv/backups/shop.sql
 *   #> The narration of the next step (Markdown), over as many `#>` lines as needed.
 *   ls -lh /srv/backups/shop.sql
 *
 * Every `#>` run starts a step: its lines are the narration, the lines after
 * it up to the next `#>` are the command, typed into the learner's shell as
 * one unit (blank lines around it dropped). Header keys: `title`, `scenario`,
 * `description` (shown in the block), `mask` (repeatable: a regular
 * expression for volatile text `replays verify` ignores, on top of the
 * built-in masks; with capture groups only the groups are masked) and
 * `timeout` (seconds per step, default 120).
 */

export interface ReplayStep {
  command: string;
  narration: string;
  /** 1-based line of the step's first `#>` line. */
  line: number;
}

export interface ReplayScript {
  title?: string;
  scenario?: string;
  description?: string;
  masks: { source: string; line: number }[];
  timeoutSeconds: number;
  /** Shell run before the steps (bash -e, as the learner), not shown; empty when none. */
  prepare: string;
  steps: ReplayStep[];
}

export class ReplayScriptError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'ReplayScriptError';
    this.line = line;
  }
}

const HEADER_KEYS = ['title', 'scenario', 'description', 'mask', 'timeout'] as const;
type HeaderKey = (typeof HEADER_KEYS)[number];

/** Drops blank lines at both ends; keeps everything else as written. */
function trimBlankLines(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && lines[a]!.trim() === '') a++;
  while (b > a && lines[b - 1]!.trim() === '') b--;
  return lines.slice(a, b);
}

export function parseReplayScript(text: string): ReplayScript {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const header: { key: HeaderKey; value: string; line: number }[] = [];
  const prepare: string[] = [];
  const steps: { narration: string[]; command: string[]; line: number }[] = [];
  let current: (typeof steps)[number] | undefined;
  let lastHeader: (typeof header)[number] | undefined;
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    if (i === 0 && raw.startsWith('#!')) continue;
    if (raw.startsWith('#%')) {
      const body = raw.slice(2);
      const m = /^ ([a-z]+):(?: (.*))?$/.exec(body);
      if (m) {
        const key = m[1] as HeaderKey;
        if (!HEADER_KEYS.includes(key)) throw new ReplayScriptError(n, `unknown header key "${m[1]}" (known: ${HEADER_KEYS.join(', ')})`);
        lastHeader = { key, value: (m[2] ?? '').trim(), line: n };
        header.push(lastHeader);
      } else if (/^ {2,}\S/.test(body) && lastHeader) {
        lastHeader.value += (lastHeader.value ? ' ' : '') + body.trim();
      } else {
        throw new ReplayScriptError(n, 'a "#%" line is "#% key: value", or "#%   more" continuing the value above');
      }
      continue;
    }
    lastHeader = undefined;
    if (raw.startsWith('#>')) {
      const said = raw.slice(2).replace(/^ /, '');
      if (current && current.command.every((l) => l.trim() === '')) current.narration.push(said);
      else {
        current = { narration: [said], command: [], line: n };
        steps.push(current);
      }
      continue;
    }
    if (current) current.command.push(raw);
    else prepare.push(raw);
  }
  const out: ReplayScript = { masks: [], timeoutSeconds: 120, prepare: trimBlankLines(prepare).join('\n'), steps: [] };
  for (const h of header) {
    if (h.key === 'mask') {
      try {
        new RegExp(h.value, 'gmd');
      } catch (e) {
        throw new ReplayScriptError(h.line, `mask is not a valid regular expression: ${(e as Error).message}`);
      }
      if (h.value === '') throw new ReplayScriptError(h.line, 'mask is empty');
      out.masks.push({ source: h.value, line: h.line });
    } else if (h.key === 'timeout') {
      const s = Number(h.value);
      if (!Number.isInteger(s) || s < 1 || s > 3600)
        throw new ReplayScriptError(h.line, `timeout must be whole seconds from 1 to 3600, not "${h.value}"`);
      out.timeoutSeconds = s;
    } else {
      if (out[h.key] !== undefined) throw new ReplayScriptError(h.line, `"${h.key}" is given twice`);
      out[h.key] = h.value;
    }
  }
  for (const s of steps) {
    const command = trimBlankLines(s.command).join('\n');
    if (!command) throw new ReplayScriptError(s.line, 'this step has a narration but no command under it');
    out.steps.push({ command, narration: s.narration.join(' ').replace(/\s+/g, ' ').trim(), line: s.line });
  }
  if (out.steps.length === 0) throw new ReplayScriptError(1, 'no steps: start each step with a "#> narration" line');
  return out;
}
