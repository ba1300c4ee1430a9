/**
 * Which limit mechanism the driver picks, on cgroup trees laid out in a
 * temporary folder (the real ones are exercised by the isolation tests).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { detectCgroups } from '../../src/sandbox/limits.ts';

const limits = { memoryBytes: 256 * 2 ** 20, pids: 100, cpus: 0.5, diskBytes: 128 * 2 ** 20 };
let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'cg-'));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), text);
  }
  return root;
}

describe('detectCgroups', () => {
  it('uses cgroup v2 when it has memory, pids and cpu, enabling them for the sandbox groups', () => {
    const r = tree({ 'cgroup.controllers': 'cpuset cpu io memory pids\n', 'cgroup.subtree_control': 'cpu\n' });
    const cg = detectCgroups(r, true);
    expect(cg.mode).toBe('cgroup-v2');
    expect(readFileSync(join(r, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
    expect(readFileSync(join(r, 'drillbook', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids +cpu');
    const [dir] = cg.create('sb-1', limits);
    expect(readFileSync(join(dir!, 'memory.max'), 'utf8')).toBe(String(256 * 2 ** 20));
    expect(readFileSync(join(dir!, 'cpu.max'), 'utf8')).toBe('50000 100000');
  });

  it('falls back to rlimits and says why when cgroup v2 lacks a controller', () => {
    const cg = detectCgroups(tree({ 'cgroup.controllers': 'cpu memory\n', 'cgroup.subtree_control': '' }), false);
    expect(cg.mode).toBe('rlimit');
    expect(cg.describe(limits)).toBe(
      'rlimits only (cgroup v2 lacks pids): no process limit (run as root for one uid per sandbox), 256 MB address space per process; disk 128 MB (tmpfs); no CPU limit',
    );
  });

  it('uses cgroup v1 hierarchies when memory, pids and cpu are mounted', () => {
    const cg = detectCgroups(tree({ 'memory/cgroup.procs': '', 'pids/cgroup.procs': '', 'cpu/cgroup.procs': '' }), true);
    expect(cg.mode).toBe('cgroup-v1');
    expect(cg.create('sb-2', limits)).toEqual(['memory', 'pids', 'cpu'].map((c) => join(root, c, 'drillbook', 'sb-2')));
  });

  it('without any cgroup controllers, limits processes per sandbox uid when it has one', () => {
    const cg = detectCgroups(tree({ README: '' }), true);
    expect(cg.mode).toBe('rlimit');
    expect(cg.describe(limits)).toMatch(/^rlimits only \(no cgroup controllers at .*\): 100 processes per sandbox uid, /);
  });
});
