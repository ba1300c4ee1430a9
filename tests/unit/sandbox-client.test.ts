import { describe, expect, it } from 'vitest';
import { describeSandbox } from '../../src/client/sandbox-panel.ts';
import { shellInput } from '../../src/client/run-in-sandbox.ts';

describe('shellInput (what "Run in my sandbox" types)', () => {
  it('types a one-line command without Enter', () => {
    expect(shellInput("psql -h localhost -U postgres -c 'select 1'")).toBe("psql -h localhost -U postgres -c 'select 1'");
  });
  it('drops the trailing line break a YAML block scalar leaves, and trailing blanks', () => {
    expect(shellInput('ls /srv/base \\\n  | head -3\n')).toBe('ls /srv/base \\\r  | head -3');
    expect(shellInput('du -sh /srv \n\n')).toBe('du -sh /srv');
  });
  it('keeps inner lines exactly as written, joined by the CR Enter sends', () => {
    expect(shellInput('a \\\r\n  b \\\n  c')).toBe('a \\\r  b \\\r  c');
  });
});

describe('describeSandbox', () => {
  it('names the servers, the end and the limits', () => {
    const line = describeSandbox({
      id: 'x',
      engines: ['postgresql', 'mariadb'],
      createdAt: '2026-01-01T10:00:00Z',
      expiresAt: '2026-01-01T14:00:00Z',
      idleTimeoutSeconds: 1800,
      limits: { memoryMb: 1024, diskMb: 512, pids: 512, cpus: 1 },
    });
    expect(line).toContain('PostgreSQL and MariaDB on localhost.');
    expect(line).toContain('after 30 min without use');
    expect(line).toContain('1024 MB memory, 512 MB disk, 512 processes, 1 CPU');
  });
});
