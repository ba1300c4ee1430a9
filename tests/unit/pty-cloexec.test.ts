/**
 * Terminals are not inherited (issue 9, item 1): the master descriptor of a
 * terminal the server opens (src/sandbox/spawn.ts startPty, node-pty) is
 * close-on-exec, so a process the server starts afterwards (a helper, the
 * watchdog, another learner's sandbox before its own clean-up) holds no
 * /dev/ptmx. Real terminals and real child processes.
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { IPty } from 'node-pty';
import { run, startPty } from '../../src/sandbox/spawn.ts';

const O_CLOEXEC = 0o2000000;

describe('terminals opened by the server', () => {
  const open: IPty[] = [];
  afterAll(() => {
    for (const p of open) p.kill('SIGKILL');
  });

  it('a process started after two terminals are open holds neither master', async () => {
    for (let i = 0; i < 2; i++) open.push(startPty(['/bin/sleep', '30'], { PATH: '/usr/bin:/bin' }, { cols: 80, rows: 24 }));
    const r = await run(['/bin/sh', '-c', 'ls -l /proc/$$/fd']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ 0 -> /);
    expect(r.stdout).not.toMatch(/ptmx/);
    for (const p of open) {
      const fd = (p as unknown as { fd: number }).fd;
      const flags = Number.parseInt(/^flags:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1] ?? '0', 8);
      expect(flags & O_CLOEXEC, `fd ${fd} close-on-exec`).toBe(O_CLOEXEC);
    }
  });
});
