/**
 * Masks: the parts of a recorded output that change from run to run
 * (timestamps, sizes, log positions, pids, durations). `replays verify`
 * compares a recorded output with a fresh one after masking both, so any
 * other difference fails it. Pure.
 *
 * A mask is a regular expression. Without capture groups the whole match
 * becomes the mask's token; with groups only the groups do, so the words
 * around a number still have to match (`position (\d+)` keeps "position").
 */

export interface Mask {
  name: string;
  pattern: RegExp;
  /** What a match (or each group) becomes. */
  token: string;
}

const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';

/** The built-in masks, applied in this order (earlier ones win where they overlap). */
export const BUILT_IN_MASKS: Mask[] = [
  // 2026-11-25 08:59:44, 2026-11-25T08:59:44.123+00, 2026-11-25  8:59:44 (mariabackup), with a zone.
  {
    name: 'timestamp',
    pattern: /\b\d{4}-\d{2}-\d{2}[ T]+\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?(?: ?(?:UTC|GMT|[+-]\d{2}(?::?\d{2})?))?/g,
    token: '<TIME>',
  },
  // mysqlbinlog: #261125  8:59:44
  { name: 'timestamp', pattern: /#\d{6} {1,2}\d{1,2}:\d{2}:\d{2}/g, token: '#<TIME>' },
  // ls -l: Nov 25 08:59, or Nov 25  2025
  { name: 'timestamp', pattern: new RegExp(`\\b(?:${MONTHS}) [ \\d]\\d (?:\\d{2}:\\d{2}|\\s?\\d{4})\\b`, 'g'), token: '<MTIME>' },
  // ls -l byte counts: the fifth column of a long listing.
  { name: 'size', pattern: /^[-dlcbps][-rwxsStT]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(\d+)(?=\s)/gm, token: '<SIZE>' },
  // 38153/38153 kB, 3.4K, 53M, 1.2 GB, 8.0K, 512 bytes
  { name: 'size', pattern: /\b\d+(?:\/\d+)? ?kB\b/g, token: '<SIZE>' },
  { name: 'size', pattern: /\b\d+(?:[.,]\d+)? ?(?:[KMGT]i?B?|bytes)(?![\w-])/g, token: '<SIZE>' },
  // durations: 12 ms, 0.35 s, 2.1s, 0m0.012s, "in 3 seconds"
  { name: 'duration', pattern: /\b\d+m\d+(?:\.\d+)?s\b/g, token: '<DURATION>' },
  { name: 'duration', pattern: /\b\d+(?:\.\d+)? ?(?:ms|s|sec|secs|seconds?)\b/g, token: '<DURATION>' },
  // PostgreSQL LSNs (0/2000028) and the log/segment part of WAL file names (the timeline stays).
  { name: 'lsn', pattern: /\b[0-9A-F]{1,8}\/[0-9A-F]{5,8}\b/g, token: '<LSN>' },
  { name: 'lsn', pattern: /\b[0-9A-F]{8}([0-9A-F]{16})\b/g, token: '<SEG>' },
  // InnoDB LSNs: "from LSN 44404 to 69713", "to_lsn = 44404", "LSN: 1234"
  { name: 'lsn', pattern: /\bLSN (\d+) to (\d+)/g, token: '<LSN>' },
  { name: 'lsn', pattern: /(?:\bLSN|\blsn|_lsn)\s*[=:]?\s*(\d+)/g, token: '<LSN>' },
  // Binary log positions: "binlog.000001 |   362346", "binlog.000001\t362346", MASTER_LOG_POS=362346,
  // "position 362346", "end_log_pos 1234", "# at 1234"
  { name: 'binlog-position', pattern: /\b[\w.-]*bin(?:log)?\.\d{6}(?:'?,?\s*\|?\s*|\t| )(\d+)\b/g, token: '<POS>' },
  { name: 'binlog-position', pattern: /\b(?:MASTER_LOG_POS|end_log_pos|[Pp]osition|# at)[= :]+(\d+)/g, token: '<POS>' },
  // pids: "[79] LOG:", "pid 79", temporary replication slots named after a pid
  { name: 'pid', pattern: /\[(\d+)\]/g, token: '<PID>' },
  { name: 'pid', pattern: /\bpid[ =:]+(\d+)/gi, token: '<PID>' },
  { name: 'pid', pattern: /\bpg_basebackup_(\d+)\b/g, token: '<PID>' },
  // progress dots: pg_ctl -w prints one per second it waits ("waiting for server to start.... done")
  { name: 'progress', pattern: /waiting for server to (?:start|shut down|promote)(\.+)/g, token: '<DOTS>' },
  // The server's and the tools' point release in a dump's header ("Dumped from database version: 15.20 (Debian
  // 15.20-0+deb12u1)"): a security update changes it, not what the lesson shows.
  {
    name: 'version',
    pattern: /\b(?:[Dd]umped (?:from database|by pg_dump(?:all)?) version):? (\d+\.\d+(?: \([^)\n]*\))?)/g,
    token: '<VERSION>',
  },
  // temporary names and ids
  { name: 'tmp', pattern: /\/tmp\/tmp\.\w+/g, token: '<TMP>' },
  { name: 'uuid', pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, token: '<UUID>' },
];

/** An author's mask from a replay script (`#% mask: REGEX`). */
export function authorMask(source: string): Mask {
  return { name: 'script', pattern: new RegExp(source, 'gm'), token: '<MASKED>' };
}

function applyMask(text: string, mask: Mask): string {
  const re = new RegExp(mask.pattern.source, mask.pattern.flags.includes('d') ? mask.pattern.flags : `${mask.pattern.flags}d`);
  let out = '';
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m[0] === '') continue;
    const start = m.index;
    const end = start + m[0].length;
    const groups = (m.indices ?? []).slice(1).filter((g): g is [number, number] => g !== undefined);
    out += text.slice(last, start);
    if (groups.length === 0) out += mask.token;
    else {
      let pos = start;
      for (const [a, b] of groups) {
        if (a < pos) continue;
        out += text.slice(pos, a) + mask.token;
        pos = b;
      }
      out += text.slice(pos, end);
    }
    last = end;
  }
  return out + text.slice(last);
}

/**
 * The output as compared: masks applied, then layout that follows from the
 * masked values evened out (runs of blanks become one space, runs of table
 * rule dashes one `---`), since a longer position widens its whole table.
 */
export function maskOutput(text: string, masks: Mask[]): string {
  let t = text;
  for (const m of masks) t = applyMask(t, m);
  return t
    .split('\n')
    .map((l) =>
      l
        .replace(/[ \t]+/g, ' ')
        .replace(/-{3,}/g, '---')
        .trimEnd(),
    )
    .join('\n')
    .trimEnd();
}

/**
 * A line diff of two masked outputs (`-` recorded, `+` now, two-space
 * context), or '' when they are equal. Outputs are short: a plain LCS table.
 */
export function lineDiff(recorded: string, now: string): string {
  if (recorded === now) return '';
  const a = recorded === '' ? [] : recorded.split('\n');
  const b = now === '' ? [] : now.split('\n');
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(`  ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! > lcs[i + 1]![j]!)) {
      out.push(`+ ${b[j]}`);
      j++;
    } else {
      out.push(`- ${a[i]}`);
      i++;
    }
  }
  return out.join('\n');
}
