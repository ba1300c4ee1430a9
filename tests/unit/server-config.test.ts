import { describe, expect, it } from 'vitest';
import { ConfigError, loadServerConfig } from '../../src/server/config.ts';

describe('loadServerConfig', () => {
  it('has documented defaults', () => {
    const c = loadServerConfig({});
    expect(c.port).toBe(4321);
    expect(c.host).toBe('127.0.0.1');
    expect(c.sandbox).toBe(true);
    expect(c.maxSandboxes).toBe(40);
    expect(c.poolSize).toBe(2);
    expect(c.idleTimeoutMs).toBe(30 * 60_000);
    expect(c.lifetimeMs).toBe(4 * 3_600_000);
    expect(c.limits).toEqual({ memoryBytes: 1024 * 2 ** 20, diskBytes: 512 * 2 ** 20, pids: 512, cpus: 1 });
    expect(c.secret).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads durations, sizes and lists', () => {
    const c = loadServerConfig({
      DRILLBOOK_IDLE_TIMEOUT: '90s',
      DRILLBOOK_LIFETIME: '2h',
      DRILLBOOK_SANDBOX_MEMORY: '1.5G',
      DRILLBOOK_SANDBOX_DISK: '300M',
      DRILLBOOK_SANDBOX: 'off',
      DRILLBOOK_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(c.idleTimeoutMs).toBe(90_000);
    expect(c.lifetimeMs).toBe(7_200_000);
    expect(c.limits.memoryBytes).toBe(1.5 * 2 ** 30);
    expect(c.limits.diskBytes).toBe(300 * 2 ** 20);
    expect(c.sandbox).toBe(false);
    expect(c.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it('names every bad variable and what to write instead', () => {
    let err: unknown;
    try {
      loadServerConfig({ PORT: 'eighty', DRILLBOOK_IDLE_TIMEOUT: 'soon', DRILLBOOK_SANDBOX: 'maybe' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      [
        'invalid server configuration:',
        '  PORT: Invalid input: expected number, received NaN',
        '  DRILLBOOK_SANDBOX: Invalid option: expected one of "on"|"off"',
        '  DRILLBOOK_IDLE_TIMEOUT: "soon" is not a duration; write e.g. 90s, 30m or 4h',
        'See "Configuration" in README.md.',
      ].join('\n'),
    );
  });
});
