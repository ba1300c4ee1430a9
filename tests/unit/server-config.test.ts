import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settingsTable } from '../../src/config/settings.ts';
import { allowedHosts } from '../../src/cli/serve.ts';
import { ConfigError, instanceOf, loadServerConfig } from '../../src/server/config.ts';
import { loadOrCreateSecret } from '../../src/server/secret.ts';

describe('loadServerConfig', () => {
  it('has documented defaults', () => {
    const c = loadServerConfig({});
    expect(c.port).toBe(4321);
    expect(c.host).toBe('127.0.0.1');
    expect(c.sandbox).toBe(true);
    expect(c.maxSandboxes).toBe(40);
    expect(c.maxSandboxesPerIp).toBe(4);
    expect(c.poolSize).toBe(2);
    expect(c.idleTimeoutMs).toBe(30 * 60_000);
    expect(c.unusedGraceMs).toBe(2 * 60_000);
    expect(c.lifetimeMs).toBe(4 * 3_600_000);
    expect(c.maxViewers).toBe(8);
    expect(c.limits).toEqual({ memoryBytes: 1024 * 2 ** 20, diskBytes: 512 * 2 ** 20, pids: 512, cpus: 1 });
    expect(c.trustProxy).toBe(false);
    expect(c.startRatePerLearner).toBe(6);
    expect(c.startRatePerIp).toBe(60);
    // No key in the environment: serve.ts keeps one in the state dir.
    expect(c.secret).toBeUndefined();
  });

  it('reads durations, sizes and lists', () => {
    const c = loadServerConfig({
      DRILLBOOK_IDLE_TIMEOUT: '90s',
      DRILLBOOK_LIFETIME: '2h',
      DRILLBOOK_SANDBOX_MEMORY: '1.5G',
      DRILLBOOK_SANDBOX_DISK: '300M',
      DRILLBOOK_SANDBOX: 'off',
      DRILLBOOK_ALLOWED_ORIGINS: 'https://a.example, https://b.example/',
      DRILLBOOK_TRUST_PROXY: 'loopback,10.0.0.1',
      DRILLBOOK_PUBLIC_URL: 'https://drillbook.example.edu/',
    });
    expect(c.idleTimeoutMs).toBe(90_000);
    expect(c.lifetimeMs).toBe(7_200_000);
    expect(c.limits.memoryBytes).toBe(1.5 * 2 ** 30);
    expect(c.limits.diskBytes).toBe(300 * 2 ** 20);
    expect(c.sandbox).toBe(false);
    expect(c.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.trustProxy).toEqual(['loopback', '10.0.0.1']);
    expect(c.publicUrl).toBe('https://drillbook.example.edu');
  });

  it('names every bad variable, the value written and what is allowed', () => {
    let err: unknown;
    try {
      loadServerConfig({
        PORT: 'eighty',
        DRILLBOOK_IDLE_TIMEOUT: 'soon',
        DRILLBOOK_SANDBOX: 'maybe',
        DRILLBOOK_PUBLIC_URL: 'drillbook.example.edu',
        DRILLBOOK_SECRET: 'short',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      [
        'invalid configuration:',
        '  PORT: "eighty" is not allowed: write a whole number from 1 to 65535',
        '  DRILLBOOK_SANDBOX: "maybe" is not allowed: write on or off',
        '  DRILLBOOK_SECRET: "short" is too short: the key needs at least 16 characters',
        '  DRILLBOOK_PUBLIC_URL: "drillbook.example.edu" is not an origin: write e.g. https://drillbook.example.edu (scheme, host and port only)',
        '  DRILLBOOK_IDLE_TIMEOUT: "soon" is not a duration: write e.g. 90s, 30m or 4h',
        'See "Configuration" in README.md.',
      ].join('\n'),
    );
  });

  it('gives each state dir its own uid range and cgroup name, the same every time', () => {
    const a = loadServerConfig({ DRILLBOOK_STATE_DIR: '/var/lib/drillbook-a' });
    const b = loadServerConfig({ DRILLBOOK_STATE_DIR: '/var/lib/drillbook-b' });
    expect(a.uidBase).toBe(instanceOf('/var/lib/drillbook-a').uidBase);
    expect(a.uidBase % 1_000_000).toBe(0);
    expect(a.uidBase).toBeGreaterThanOrEqual(1_000_000);
    expect(a.uidBase + 1000).toBeLessThan(2 ** 31);
    expect(a.instance).toMatch(/^[0-9a-f]{8}$/);
    expect(a.instance).not.toBe(b.instance);
    expect(loadServerConfig({ DRILLBOOK_STATE_DIR: '/var/lib/drillbook-a', DRILLBOOK_SANDBOX_UID_BASE: '1500000' }).uidBase).toBe(
      1_500_000,
    );
  });

  it('answers for HOST and the public URL host besides localhost and addresses', () => {
    expect(allowedHosts({ host: '127.0.0.1', publicUrl: undefined, allowedHosts: [] })).toEqual(['127.0.0.1']);
    expect(allowedHosts({ host: '0.0.0.0', publicUrl: 'https://drill.example.edu:8443', allowedHosts: ['lab-host'] })).toEqual([
      'lab-host',
      'drill.example.edu:8443',
    ]);
  });
});

describe('the cookie key', () => {
  it('is made once, kept in the state dir readable only by the server, and read back after a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-secret-'));
    const first = loadOrCreateSecret(dir);
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateSecret(dir)).toBe(first);
    writeFileSync(join(dir, 'secret'), 'x'.repeat(40), { mode: 0o644 });
    expect(loadOrCreateSecret(dir)).toBe('x'.repeat(40));
    expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
  });

  it('replaces a kept key that is empty or short instead of signing cookies with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'drillbook-secret-'));
    for (const short of ['', '\n', 'x'.repeat(31)]) {
      writeFileSync(join(dir, 'secret'), short, { mode: 0o644 });
      const key = loadOrCreateSecret(dir);
      expect(key).toMatch(/^[0-9a-f]{64}$/);
      expect(readFileSync(join(dir, 'secret'), 'utf8').trim()).toBe(key);
      expect(statSync(join(dir, 'secret')).mode & 0o777).toBe(0o600);
      expect(loadOrCreateSecret(dir)).toBe(key);
    }
  });
});

describe('README configuration tables', () => {
  it('are the ones generated from the settings schema (./drillbook settings)', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const group of ['server', 'sandbox', 'site'] as const) {
      const m = new RegExp(`<!-- settings:${group} -->\\n\\n([\\s\\S]*?)\\n\\n<!-- /settings:${group} -->`).exec(readme);
      expect(m, `README.md has no <!-- settings:${group} --> table`).not.toBeNull();
      expect(m![1]).toBe(settingsTable(group));
    }
  });
});
