/**
 * Who owns the bwrap sandboxes of a state dir. Each driver instance (one
 * process) is an owner: its cgroups live under drillbook/<instance>/<owner>/,
 * and `STATE_DIR/owners/<owner>` holds its pid, so a later run removes the
 * groups (and ends the processes) of owners that are gone, and never those
 * of a live one. Without cgroups (rlimit mode) a dead server's sandboxes
 * are found by their host uids (as root) or not at all: each sandbox's init
 * ends itself when its server is gone.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupBackend } from '../limits.ts';
import { alive, kill, listPids, waitFor } from '../proc.ts';

/** `owners/<owner>` in the state dir, holding this process's pid. */
export function recordOwner(stateDir: string, owner: string): void {
  const dir = join(stateDir, 'owners');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, owner), `${process.pid}\n`, { mode: 0o600 });
}

export function forgetOwner(stateDir: string, owner: string): void {
  rmSync(join(stateDir, 'owners', owner), { force: true });
}

export interface Leftovers {
  stateDir: string;
  instance: string;
  /** This process's owner name (its own groups are never touched). */
  owner: string;
  cg: CgroupBackend;
  /** rlimit mode as root: the state dir's host uid range, and whether a uid is one of this process's sandboxes. */
  uids?: { first: number; last: number; ours: (uid: number) => boolean };
}

/** Ends what owners that are gone left behind; returns how many sandboxes (or, by uid, processes) that was. */
export async function cleanupLeftovers(o: Leftovers): Promise<number> {
  let cleaned = 0;
  const owners = join(o.stateDir, 'owners');
  for (const owner of o.cg.children(o.instance)) {
    if (owner === o.owner || owner.startsWith('probe-')) continue;
    let pid = 0;
    try {
      pid = Number(readFileSync(join(owners, owner), 'utf8').trim());
    } catch {
      // No record: nobody alive owns it.
    }
    if (pid && alive(pid)) continue;
    const group = `${o.instance}/${owner}`;
    cleaned += o.cg.children(group).length;
    await waitFor(() => {
      for (const p of o.cg.pids(group)) kill(p);
      return o.cg.pids(group).length === 0;
    }, 5_000);
    await waitFor(() => o.cg.remove(group), 5_000);
    rmSync(join(owners, owner), { force: true });
    for (const f of readdirSync(owners)) if (f.startsWith(`${owner}-`)) rmSync(join(owners, f), { force: true });
  }
  if (o.cg.mode === 'rlimit' && o.uids) {
    for (const pid of listPids()) {
      const uid = uidOf(pid);
      if (uid >= o.uids.first && uid <= o.uids.last && !o.uids.ours(uid)) {
        kill(pid);
        cleaned++;
      }
    }
  }
  return cleaned;
}

function uidOf(pid: number): number {
  try {
    return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? -1);
  } catch {
    return -1;
  }
}
