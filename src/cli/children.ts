/**
 * A command that is done must leave nothing running. Libraries the build
 * uses start helper processes (esbuild's service for Vite, Pagefind's
 * indexer) and, on close, signal them without waiting; when Node then exits
 * first, the helpers outlive it, and where process 1 does not reap orphans
 * they stay as zombies. `endChildren` stops this process's children and
 * waits until Node has reaped every one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** This process's child processes that have not been reaped: pid and name. */
export function children(): { pid: number; name: string }[] {
  const out: { pid: number; name: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (Number(stat.slice(close + 2).split(' ')[1]) === process.pid)
        out.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close) });
    } catch {
      // Gone while we looked.
    }
  }
  return out;
}

/** Asks every child to stop (SIGTERM, then SIGKILL after `graceMs`) and returns once all are gone. */
export async function endChildren(graceMs = 3000): Promise<void> {
  const start = Date.now();
  let killed = false;
  for (let first = true; ; first = false) {
    const left = children();
    if (left.length === 0) return;
    const signal = first ? 'SIGTERM' : !killed && Date.now() - start > graceMs ? 'SIGKILL' : undefined;
    if (signal === 'SIGKILL') killed = true;
    if (signal)
      for (const c of left) {
        try {
          process.kill(c.pid, signal);
        } catch {
          // Already gone.
        }
      }
    // Node reaps an exited child from its event loop: give it turns to do so.
    await sleep(10);
  }
}
