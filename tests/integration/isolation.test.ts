/**
 * Break-out attempts from inside a sandbox, each typed into a real terminal
 * as a learner (or an attacker) would. Every one must fail or be contained,
 * with the server and a second learner's sandbox unaffected.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectedLimitMode,
  TEST_UID_BASE,
  testDriver,
  hostCgroups,
  Learner,
  sandboxCgroups,
  skipReason,
  startServer,
  type Terminal,
  type TestServer,
} from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping sandbox isolation tests: ${reason}`);

/** A non-loopback address of this host, if it has one. */
function hostAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  return undefined;
}

describe.skipIf(reason)('sandbox isolation', () => {
  let server: TestServer;
  let mallory: Terminal;
  let alice: Terminal;
  let aliceLearner: Learner;
  let malloryLearner: Learner;

  beforeAll(async () => {
    server = await startServer();
    malloryLearner = new Learner(server);
    await malloryLearner.open();
    mallory = await malloryLearner.terminal();
    aliceLearner = new Learner(server);
    await aliceLearner.open();
    alice = await aliceLearner.terminal();
    await alice.run('echo alice-secret > ~/secret.txt && psql -h localhost -U postgres -qc "create table alice_only(x int)"');
  });
  afterAll(async () => {
    mallory?.close();
    alice?.close();
    await server?.close();
  });

  /** Alice's sandbox still works and still has her data. */
  async function aliceUnaffected() {
    const r = await alice.run(
      'cat ~/secret.txt && psql -h localhost -U postgres -Atc "select count(*) from alice_only" && mysql -Nse "select 1"',
    );
    expect(r.code).toBe(0);
    expect(r.out).toBe('alice-secret\n0\n1\n');
    const health = await fetch(`${server.url}/api/health`);
    expect(health.status).toBe(200);
  }

  it("cannot read the server's files", async () => {
    const r = await mallory.run(`ls ${process.cwd()} /work /root 2>&1; cat /etc/shadow 2>&1; ls /proc/1/root/ | tr '\\n' ' '`);
    expect(r.out).toContain(`ls: cannot access '${process.cwd()}': No such file or directory`);
    expect(r.out).toContain("ls: cannot access '/root': No such file or directory");
    // The sandbox's /etc is a private copy without the host's secrets.
    expect(r.out).toContain('cat: /etc/shadow: No such file or directory');
    const write = await mallory.run('touch /usr/bin/evil /etc/evil 2>&1');
    expect(write.out).toContain("touch: cannot touch '/usr/bin/evil': Read-only file system");
    expect(write.out).toContain("touch: cannot touch '/etc/evil': Read-only file system");
  });

  it("a second process on this state dir after the host's /etc changed leaves running sandboxes' /etc alone; new ones start", async () => {
    const etc = 'ls /etc | wc -l; id -gn; ls /etc/postgresql/15/main; cat /etc/drillbook-changed 2>&1';
    const before = await alice.run(etc);
    expect(before.out).toContain('learner\n');
    expect(before.out).toContain('cat: /etc/drillbook-changed: No such file or directory');
    // The host as after a package install: one more file in /etc (a copy of the host's; the real one is left alone).
    const hostEtc = mkdtempSync(join(tmpdir(), 'host-etc-'));
    try {
      expect(spawnSync('cp', ['-a', '/etc/.', hostEtc]).status).toBe(0);
      writeFileSync(join(hostEtc, 'drillbook-changed'), 'installed later\n', { mode: 0o644 });
      // labs verify, a second server: another driver on the same state dir, prepared now.
      const second = testDriver({ uidBase: TEST_UID_BASE + 500, hostEtc });
      await second.prepare();
      await second.close();
    } finally {
      rmSync(hostEtc, { recursive: true, force: true });
    }
    expect((await alice.run(etc)).out).toBe(before.out);
    await aliceUnaffected();
    // This server's next sandbox starts, with this server's /etc.
    const bob = new Learner(server);
    await bob.open();
    const t = await bob.terminal();
    try {
      expect((await t.run(etc)).out).toBe(before.out);
    } finally {
      t.close();
      await bob.api('DELETE', '/api/sandbox');
    }
  });

  it("cannot find another sandbox's files", async () => {
    const r = await mallory.run(
      'find / -path /proc -prune -o -name secret.txt -print 2>/dev/null; cat /proc/*/root/home/learner/secret.txt 2>&1 | head -3',
    );
    expect(r.out).not.toMatch(/secret\.txt$/m);
    expect(r.out).not.toContain('alice-secret');
    const db = await mallory.run('psql -h localhost -U postgres -Atc "select count(*) from pg_tables where tablename = \'alice_only\'"');
    expect(db.out.trim()).toBe('0');
  });

  it('limits are enforced by the mechanism this host offers, as the tests below count them', () => {
    expect(server.driver.limitMode).toBe(expectedLimitMode());
    expect(hostCgroups().mode).toBe(server.driver.limitMode);
  });

  it('sees only its own processes', async () => {
    const r = await mallory.run('ps -eo user,comm --no-headers | sort | uniq -c');
    expect(r.out).toMatch(/learner +bash/);
    expect(r.out).toMatch(/learner +mariadbd/);
    expect(r.out).toMatch(/learner +postgres/);
    expect(r.out).not.toMatch(/\bnode\b/);
    expect(r.out).not.toMatch(/^\s*\d+ root/m);
    const n = await mallory.run('ps -e --no-headers | wc -l');
    expect(Number(n.out.trim())).toBeLessThan(30);
  });

  it('reaches nothing but its own loopback', async () => {
    const port = new URL(server.url).port;
    const ip = hostAddress();
    const probes = [`127.0.0.1/${port}`, ...(ip ? [`${ip}/${port}`] : []), '1.1.1.1/443'];
    for (const p of probes) {
      const r = await mallory.run(`timeout 3 bash -c 'echo > /dev/tcp/${p}' 2>&1; echo "rc=$?"`);
      expect(r.out).toMatch(/Connection refused|Network is unreachable/);
      expect(r.out).not.toContain('rc=0');
    }
    const dns = await mallory.run('getent hosts example.com; echo "rc=$?"');
    expect(dns.out.trim()).toBe('rc=2');
    const ifaces = await mallory.run('ls /sys/class/net 2>/dev/null || cat /proc/net/dev | tail -n +3 | cut -d: -f1');
    expect(ifaces.out.trim()).toBe('lo');
  });

  it('a memory hog is stopped at the memory limit and the learner is told', async () => {
    const r = await mallory.run(`awk 'BEGIN { s = "x"; for (;;) s = s s }'; echo "rc=$?"`, 90_000);
    expect(r.out).toContain('rc=137');
    await mallory.until(
      () => mallory.messages.some((m) => m.type === 'notice' && m.text.startsWith('Memory limit reached (768 MB, files in /tmp')),
      10_000,
      'memory notice',
    );
    await aliceUnaffected();
    const own = await mallory.run('mysql -Nse "select 1"');
    expect(own.out.trim()).toBe('1');
  });

  it('a disk filler fills only its own /var and the learner is told', async () => {
    const r = await mallory.run('dd if=/dev/zero of=~/fill bs=1M count=1000 2>&1 | grep -E "No space|records out"');
    expect(r.out).toContain('No space left on device');
    await mallory.until(
      () => mallory.messages.some((m) => m.type === 'notice' && m.text.startsWith('Disk limit reached: /var (256 MB')),
      10_000,
      'disk notice',
    );
    await mallory.run('rm -f ~/fill');
    await aliceUnaffected();
  });

  it('a fork bomb is contained by the process limit and the learner is told', async () => {
    mallory.type(`bomb() { bomb | bomb & }; bomb\r`);
    await mallory.until(
      () => mallory.messages.some((m) => m.type === 'notice' && m.text.startsWith('Process limit reached (256 processes)')),
      30_000,
      'process-limit notice',
    );
    await aliceUnaffected();
    // The learner's way out: Reset sandbox ends every process of the old one.
    const reset = await malloryLearner.api('POST', '/api/sandbox/reset');
    expect(reset.status).toBe(200);
    // Counted by the driver's own backend, whichever cgroup version it uses (rlimit mode has no groups to count).
    const groups = sandboxCgroups();
    if (hostCgroups().mode === 'rlimit') expect(groups).toEqual([]);
    else {
      expect(groups.length).toBeGreaterThan(0);
      for (const name of groups) expect(hostCgroups().pids(name).length).toBeLessThan(40);
    }
    const fresh = await malloryLearner.terminal();
    expect((await fresh.run('psql -h localhost -U postgres -Atc "select 1"')).out).toBe('1\n');
    fresh.close();
  });
});
