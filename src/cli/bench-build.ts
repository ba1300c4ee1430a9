/**
 * `drillbook bench build [--course FOLDER | --pages N] [--vs-mkdocs [--max-ratio R]] [--runs N]`:
 * the wall time and memory of a full `drillbook build` of a course folder
 * (default: a synthetic N-page course made from the fixtures, N = 105 with
 * about 750 blocks, the size of a real course), and with --vs-mkdocs the same
 * folder built by MkDocs with Material (Debian's packages) in the same run.
 *
 * Prints one JSON line:
 *   pages, blocks        what `check` counts in the folder
 *   build_s              median wall time of `drillbook build` as an author runs it again: a full
 *                        build (every page rendered, the output written anew) with the cache
 *                        (DRILLBOOK_CACHE_DIR) a previous build of the folder left
 *   build_cold_s         median wall time of the same build of a course the cache has not seen: the
 *                        course's entries emptied first (every page parsed, rendered, highlighted,
 *                        checked, indexed and compressed anew); what depends only on the installed
 *                        Drillbook kept: Node's compile cache of its modules (as MkDocs has its .pyc
 *                        files) and the compressed copies of mermaid's and KaTeX's prebuilt modules
 *   build_first_s        median wall time of the first build after installing: the whole cache emptied,
 *                        the compile cache included
 *   cpu_s, cpu_cold_s, cpu_first_s  median CPU time (user + system) of those builds: every process and
 *                        thread of the build together (on 2 cores, a build cannot take less wall time
 *                        than half of it)
 *   peak_mb              the highest resident memory of the build's processes together (the sum of
 *                        their RSS, sampled every 20 ms), over every Drillbook run
 *   peak_mb_warm, peak_mb_cold, peak_mb_first  the same over the warm, cold and first runs
 *   left_running         processes of a build still there after it exited (must be 0)
 *   load_1m              the machine's 1-minute load average before and after the runs
 *   mkdocs_s, mkdocs_cpu_s, mkdocs_peak_mb  the same for `mkdocs build` with the config the pages need (mkdocs-vs.ts)
 *   ratio, ratio_cold, ratio_first  build_s, build_cold_s and build_first_s / mkdocs_s
 *   mkdocs_bare_s, ratio_bare  MkDocs with a bare config (no admonitions, no highlighting), and build_s / that
 *   (the mkdocs figures only with --vs-mkdocs)
 * Runs alternate (Drillbook first, cold, warm, MkDocs, MkDocs bare) `--runs` times
 * (default 3), since this machine is shared and noisy: figures are medians
 * of runs made side by side. MkDocs gets a generated minimal mkdocs.yml for
 * the same folder (mkdocs-vs.ts) and must have built every page, or the
 * benchmark fails. Exit 1 when a run fails or leaves a process behind, or
 * when `ratio` is over --max-ratio (CI: 1.0).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { INSTALL_SPACES } from '../cache/store.ts';
import { loadCourse } from '../course/load-course.ts';
import { generateCourse } from './bench-course.ts';
import { median } from './stats.ts';

const USAGE = 'usage: drillbook bench build [--course FOLDER | --pages N] [--vs-mkdocs [--max-ratio R]] [--runs N]';

export interface RunResult {
  seconds: number;
  /** CPU time, user + system, of the command and every process it started and waited for (all their threads). */
  cpuSeconds: number;
  peakMb: number;
  /** Processes of the run's process group still present after it exited: `pid name state`. */
  leftRunning: string[];
  stderr: string;
  code: number | null;
}

/** The pids of a process group, from /proc (zombies included: a child nobody reaped is still left behind). */
function groupMembers(pgid: number): { pid: number; name: string; state: string; rssKb: number }[] {
  const out: { pid: number; name: string; state: string; rssKb: number }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ... ; comm may hold spaces and parentheses, so split after the last ")".
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      if (Number(fields[2]) !== pgid) continue;
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const rss = /VmRSS:\s+(\d+)/.exec(status);
      out.push({
        pid: Number(entry),
        name: stat.slice(stat.indexOf('(') + 1, close),
        state: fields[0] ?? '?',
        rssKb: rss ? Number(rss[1]) : 0,
      });
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

/**
 * bash, around the measured command, prints its children's CPU times with the
 * `times` builtin once the command exits (the kernel adds up a process's
 * threads and every descendant it waited for), on fd 3, which only bash holds
 * (the command's processes do not inherit it), so it ends when bash does.
 */
const TIMED = 'set +e; "$0" "$@" 3>&-; code=$?; times >&3; exit $code';

/** The children's `user system` line of bash's `times` output (its second line: `0m5.120s 0m1.030s`), in seconds. */
export function childrenCpuSeconds(times: string): number {
  const line = times.trim().split('\n')[1] ?? '';
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)];
  if (parts.length !== 2) throw new Error(`unexpected output of bash's times: ${JSON.stringify(times)}`);
  return parts.reduce((n, m) => n + Number(m[1]) * 60 + Number(m[2]), 0);
}

/** A process's resident memory now (VmRSS), in kB; 0 if it is gone. */
function rssKb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Runs a command in a process group of its own, sampling the group's memory
 * every 20 ms (the bash that reports its CPU time left out); after it exits,
 * waits a moment and lists what of the group is still there.
 *
 * Finding the group's members means reading every process's stat (~1 ms of
 * CPU with ~80 processes): done every 100 ms, with each known member's
 * status read every 20 ms. Scanning on every sample took ~5 % of a core, which
 * a build using both cores loses and a one-thread MkDocs does not.
 */
export async function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  const t0 = performance.now();
  const child = spawn('bash', ['-c', TIMED, cmd, ...args], { env, detached: true, stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  let times = '';
  const fd3 = child.stdio[3] as NodeJS.ReadableStream;
  fd3.on('data', (d: Buffer) => (times += d.toString()));
  const timesRead = new Promise((ok) => fd3.on('end', ok));
  const pgid = child.pid as number;
  let peakKb = 0;
  let members: number[] = [];
  let sample = 0;
  const timer = setInterval(() => {
    if (sample++ % 5 === 0) members = groupMembers(pgid).flatMap((p) => (p.pid === pgid ? [] : [p.pid]));
    const kb = members.reduce((n, pid) => n + rssKb(pid), 0);
    if (kb > peakKb) peakKb = kb;
  }, 20);
  // 'exit', not 'close': a process the command left behind may hold its stderr open.
  const code = await new Promise<number | null>((ok) => child.on('exit', (c) => ok(c)));
  const seconds = (performance.now() - t0) / 1000;
  await timesRead;
  clearInterval(timer);
  await new Promise((ok) => setTimeout(ok, 300));
  const leftRunning = groupMembers(pgid).map((p) => `${p.pid} ${p.name} ${p.state}`);
  for (const p of groupMembers(pgid)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  return { seconds, cpuSeconds: childrenCpuSeconds(times), peakMb: peakKb / 1024, leftRunning, stderr, code };
}

/**
 * Empties the build cache of every course's entries (src/cache/store.ts: one
 * `.v8` file per kind), keeping what depends only on the installed Drillbook:
 * Node's compile cache of its modules and the INSTALL_SPACES.
 */
export function emptyCourseCache(cache: string): void {
  if (!existsSync(cache)) return;
  const keep = new Set(INSTALL_SPACES.map((s) => `${s}.v8`));
  for (const name of readdirSync(cache)) if (name.endsWith('.v8') && !keep.has(name)) rmSync(join(cache, name), { force: true });
}

export async function runBenchBuild(args: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args,
      strict: true,
      options: {
        course: { type: 'string' },
        pages: { type: 'string', default: '105' },
        'vs-mkdocs': { type: 'boolean', default: false },
        runs: { type: 'string', default: '3' },
        'max-ratio': { type: 'string' },
      },
    }).values;
    for (const k of ['pages', 'runs'] as const) {
      const n = Number(opts[k]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`--${k} must be a whole number of at least 1 (got "${opts[k]}")`);
    }
    const max = opts['max-ratio'];
    if (max !== undefined && !(Number(max) > 0)) throw new Error(`--max-ratio must be a positive number (got "${max}")`);
    if (max !== undefined && !opts['vs-mkdocs']) throw new Error('--max-ratio needs --vs-mkdocs');
    if (opts.course !== undefined && !existsSync(opts.course)) throw new Error(`--course ${opts.course}: no such folder`);
  } catch (e) {
    process.stderr.write(`drillbook bench build: ${(e as Error).message}. ${USAGE}\n`);
    return 2;
  }
  const work = resolve('.bench');
  const content = opts.course !== undefined ? resolve(opts.course) : generateCourse(join(work, 'course'), Number(opts.pages)).dir;
  const course = loadCourse(content);
  const blocks = Object.values(course.blockCounts).reduce((a, b) => a + b, 0);
  const cache = join(work, 'cache');
  const out = join(work, 'dist');
  const env = { ...process.env, DRILLBOOK_CONTENT: content, DRILLBOOK_OUT: out, DRILLBOOK_CACHE_DIR: cache, DRILLBOOK_STRICT: '0' };
  // The command an author runs, through the launcher (which gives the build its Node flags).
  const drillbook = () => measure(resolve('drillbook'), ['build', '--quiet'], env);
  const mkdocs = opts['vs-mkdocs'] ? await import('./mkdocs-vs.ts') : undefined;
  const mk = mkdocs ? mkdocs.prepare(course, join(work, 'mkdocs')) : undefined;

  const loadBefore = loadavg()[0] ?? 0;
  const first: RunResult[] = [];
  const cold: RunResult[] = [];
  const warm: RunResult[] = [];
  const theirs: RunResult[] = [];
  const bare: RunResult[] = [];
  const failed = (what: string, r: RunResult) => {
    process.stderr.write(`drillbook bench build: ${what} failed (exit ${r.code}):\n${r.stderr}\n`);
    return 1;
  };
  for (let i = 0; i < Number(opts.runs); i++) {
    rmSync(cache, { recursive: true, force: true });
    const f = await drillbook();
    if (f.code !== 0) return failed('drillbook build (first)', f);
    first.push(f);
    emptyCourseCache(cache);
    const c = await drillbook();
    if (c.code !== 0) return failed('drillbook build (cold)', c);
    cold.push(c);
    const w = await drillbook();
    if (w.code !== 0) return failed('drillbook build', w);
    warm.push(w);
    if (mkdocs && mk) {
      for (const which of ['features', 'bare'] as const) {
        const m = await mkdocs.run(mk, which);
        if (m.code !== 0) return failed(`mkdocs build (${which})`, m);
        const missing = mkdocs.missingPages(mk, which);
        if (missing.length > 0) {
          process.stderr.write(
            `drillbook bench build: MkDocs (${which}) did not build ${missing.length} page(s): ${missing.slice(0, 10).join(', ')}\n`,
          );
          return 1;
        }
        (which === 'features' ? theirs : bare).push(m);
      }
    }
  }
  const ours = [...first, ...cold, ...warm];
  const left = ours.flatMap((r) => r.leftRunning);
  const buildS = median(warm.map((r) => r.seconds));
  const coldS = median(cold.map((r) => r.seconds));
  const firstS = median(first.map((r) => r.seconds));
  const round = (n: number, d = 2) => Number(n.toFixed(d));
  const result: Record<string, unknown> = {
    pages: course.pages.length,
    blocks,
    build_s: round(buildS),
    build_cold_s: round(coldS),
    build_first_s: round(firstS),
    cpu_s: round(median(warm.map((r) => r.cpuSeconds))),
    cpu_cold_s: round(median(cold.map((r) => r.cpuSeconds))),
    cpu_first_s: round(median(first.map((r) => r.cpuSeconds))),
    peak_mb: Math.round(Math.max(...ours.map((r) => r.peakMb))),
    peak_mb_warm: Math.round(Math.max(...warm.map((r) => r.peakMb))),
    peak_mb_cold: Math.round(Math.max(...cold.map((r) => r.peakMb))),
    peak_mb_first: Math.round(Math.max(...first.map((r) => r.peakMb))),
    left_running: left.length,
    // How busy the shared machine was (1-minute load average, before and after): ratios are comparable, absolute times less so.
    load_1m: [round(loadBefore), round(loadavg()[0] ?? 0)],
  };
  if (theirs.length > 0) {
    const mkS = median(theirs.map((r) => r.seconds));
    const bareS = median(bare.map((r) => r.seconds));
    Object.assign(result, {
      mkdocs_s: round(mkS),
      mkdocs_cpu_s: round(median(theirs.map((r) => r.cpuSeconds))),
      mkdocs_peak_mb: Math.round(Math.max(...theirs.map((r) => r.peakMb))),
      ratio: round(buildS / mkS),
      ratio_cold: round(coldS / mkS),
      ratio_first: round(firstS / mkS),
      mkdocs_bare_s: round(bareS),
      ratio_bare: round(buildS / bareS),
    });
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
  const ratio = result['ratio'];
  if (opts['max-ratio'] !== undefined && typeof ratio === 'number' && ratio > Number(opts['max-ratio'])) {
    process.stderr.write(`drillbook bench build: ratio ${ratio} (build_s / mkdocs_s) is over --max-ratio ${opts['max-ratio']}\n`);
    return 1;
  }
  if (left.length > 0) {
    process.stderr.write(`drillbook bench build: processes left running after a build: ${[...new Set(left)].join('; ')}\n`);
    return 1;
  }
  return 0;
}
