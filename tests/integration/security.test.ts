/**
 * A hostile learner against real sandboxes (issue 9): other learners'
 * terminals, the server's descriptors, the sandbox's own init and root, the
 * kernel interfaces a database course does not need, the memory and inode
 * limits, what the host leaks, and the server's own load. Each test fails on
 * the code before the hardening it guards.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INPUT_HIGH_WATER } from '../../src/sandbox/manager.ts';
import { instanceOf } from '../../src/server/config.ts';
import { hostCgroups, Learner, skipReason, STATE_DIR, startServer, Terminal, type TestServer } from './harness.ts';

const reason = await skipReason();
if (reason) console.warn(`skipping sandbox security tests: ${reason}`);

function pidNsOf(pid: string): string {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return '';
  }
}

/** Host pids of every process in a pid namespace: every process of one sandbox, whichever driver made it. */
function processesIn(ns: string): string[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e) && pidNsOf(e) === ns);
}

/** What each descriptor of a process is, by device and inode, or a device node by its file system and number (each container has a devpts of its own, where pts/0 is another terminal): readlink text can differ across mount namespaces. */
function descriptors(pid: string): { fd: number; id: string; link: string }[] {
  const out = [];
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const st = statSync(`/proc/${pid}/fd/${fd}`);
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      out.push({ fd: Number(fd), id: st.isCharacterDevice() ? `chr:${st.dev}:${st.rdev}` : `${st.dev}:${st.ino}`, link });
    } catch {
      // Closed meanwhile.
    }
  }
  return out;
}

/** Each connected Unix socket's peer, by inode (from iproute2's `ss`): the two ends of a socketpair are two inodes. */
function unixPeers(): Map<string, string> {
  const peers = new Map<string, string>();
  for (const line of execFileSync('ss', ['-xaH'], { encoding: 'utf8' }).split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 4) peers.set(f[f.length - 3]!, f[f.length - 1]!);
  }
  return peers;
}

/** The pid namespace of this terminal's shell, as the host names it (the same inode inside and out). */
async function sandboxPidNs(t: Terminal): Promise<string> {
  const ns = (await t.run('readlink /proc/$$/ns/pid')).out.trim();
  if (!/^pid:\[\d+\]$/.test(ns)) throw new Error(`no pid namespace in "${ns}"`);
  return ns;
}

describe.skipIf(reason)('sandbox security', () => {
  let server: TestServer;
  let alice: Learner;
  let bob: Learner;
  let a: Terminal;
  let b: Terminal;

  beforeAll(async () => {
    server = await startServer({ maxViewers: 3 });
    alice = new Learner(server);
    await alice.open();
    a = await alice.terminal();
    bob = new Learner(server);
    await bob.open();
    b = await bob.terminal();
    // A third terminal opened later inherits whatever the server holds open by then.
    await a.run('true');
  });
  afterAll(async () => {
    a?.close();
    b?.close();
    await server?.close();
  });

  it("no process of a sandbox holds another learner's terminal or any descriptor of the server's", async () => {
    const [na, nb] = [await sandboxPidNs(a), await sandboxPidNs(b)];
    expect(na).not.toBe(nb);
    const serverIds = new Set(descriptors(String(process.pid)).map((d) => d.id));
    const ptsOf = (ns: string) =>
      new Set(
        processesIn(ns)
          .flatMap(descriptors)
          .filter((d) => d.id.startsWith('chr:') && /pts|ptmx/.test(d.link))
          .map((d) => d.id),
      );
    const aPts = ptsOf(na);
    const bPts = ptsOf(nb);
    expect(aPts.size).toBe(1);
    expect(bPts.size).toBe(1);
    expect([...aPts].some((x) => bPts.has(x))).toBe(false);
    for (const ns of [na, nb]) {
      expect(processesIn(ns).length).toBeGreaterThan(4);
      for (const pid of processesIn(ns)) {
        for (const d of descriptors(pid)) {
          expect(d.link, `pid ${pid} fd ${d.fd}`).not.toMatch(/ptmx/);
          // (Every anon_inode object shares one inode, so those cannot be told apart this way.)
          if (d.fd > 2 && !d.link.startsWith('anon_inode:')) {
            expect(serverIds.has(d.id), `pid ${pid} fd ${d.fd} (${d.link}) is the server's`).toBe(false);
          }
        }
      }
    }
    // Output: once a sandbox is ready the server reads none of its processes' stdout or stderr (a learner could
    // otherwise push gigabytes through a copy of that pipe into the server). A pipe's two ends are one inode; a
    // socketpair's are two, told apart by `ss`.
    const peers = unixPeers();
    const serverSockets = new Set(descriptors(String(process.pid)).flatMap((d) => /^socket:\[(\d+)\]$/.exec(d.link)?.[1] ?? []));
    for (const ns of [na, nb])
      for (const pid of processesIn(ns))
        for (const d of descriptors(pid).filter((x) => x.fd === 1 || x.fd === 2)) {
          const what = `pid ${pid} fd ${d.fd} (${d.link}) is read by the server`;
          if (d.link.startsWith('pipe:')) expect(serverIds.has(d.id), what).toBe(false);
          const inode = /^socket:\[(\d+)\]$/.exec(d.link)?.[1];
          if (inode !== undefined) expect(serverSockets.has(peers.get(inode) ?? ''), what).toBe(false);
        }
    // From inside: only the shell's own three, and nothing of the host's.
    const inside = await b.run('ls /proc/$$/fd');
    expect(inside.out.trim().split(/\s+/).sort()).toEqual(['0', '1', '2', '255']);
  });

  it('the sandbox init and its descriptors are out of reach; ptrace is refused', async () => {
    const r = await a.run(
      `ls /proc/1/fd 2>&1; cat /proc/1/mem 2>&1 | head -c 80; echo; kill -9 1; echo kill=$?; perl -e 'syscall(101, 16, 1, 0, 0) == -1 and print "ptrace: $!\\n"'; mysql -Nse 'select 1'`,
    );
    expect(r.out).toContain("ls: cannot open directory '/proc/1/fd': Permission denied");
    expect(r.out).toContain('cat: /proc/1/mem: Permission denied');
    expect(r.out).toContain('ptrace: Operation not permitted');
    // kill -9 1 "succeeds" but the kernel ignores signals to a namespace's init from inside it.
    expect(r.out.trim().endsWith('1')).toBe(true);
  });

  it('the root is read-only: /bin, /etc, /opt/drillbook and / cannot be replaced', async () => {
    const r = await a.run(
      'for p in /bin /usr/bin/mysql /etc/passwd /opt/drillbook/bin/systemctl /evil /dev/evil /usr/local/evil; do (rm -f "$p" || true; touch "$p") 2>&1 | tail -1; done; ln -s /tmp/x /bin2 2>&1',
    );
    for (const p of ['/bin', '/usr/bin/mysql', '/etc/passwd', '/opt/drillbook/bin/systemctl', '/evil', '/dev/evil', '/usr/local/evil']) {
      expect(r.out).toMatch(new RegExp(`'${p.replace(/\//g, '\\/')}': (Read-only file system|Permission denied)`));
    }
    expect(r.out).toContain("failed to create symbolic link '/bin2': Read-only file system");
    const ok = await a.run('mysql -Nse "select 1"');
    expect(ok.out.trim()).toBe('1');
  });

  it('courses write backups to /backup, /data, /mnt and scripts to /usr/local/bin: all inside the disk limit', async () => {
    const r = await a.run(
      "mkdir -p /backup/nightly /data/x /mnt/usb && echo ok > /backup/nightly/f && printf '%s\\n' '#!/bin/sh' 'echo hi' > /usr/local/bin/hello && chmod +x /usr/local/bin/hello && hello && stat -f -c '%i %b' /var /srv /backup/nightly/f /data/x /mnt/usb /usr/local/bin/hello | sort -u | wc -l",
    );
    expect(r.code).toBe(0);
    // One file system (the id and size of /var's) under all of them.
    expect(r.out).toBe('hi\n1\n');
  });

  it('kernel surface: no new namespaces, io_uring, keys, bpf, perf or userfaultfd; no-new-privs on shells and checks alike', async () => {
    const r = await a.run(
      `unshare -U true 2>&1; unshare -m true 2>&1; unshare -n true 2>&1; perl -e 'for ([io_uring_setup=>425],[keyctl=>250],[add_key=>248],[bpf=>321],[perf_event_open=>298],[userfaultfd=>323],[pidfd_getfd=>438],[process_vm_readv=>310]) { my $r = syscall($$_[1], 0, 0, 0, 0, 0); print "$$_[0]: $!\\n" }'; grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status`,
    );
    expect(r.out).toContain('unshare: unshare failed: Operation not permitted');
    expect(r.out).not.toMatch(/^unshare: .*Invalid argument/m);
    for (const [call, err] of [
      ['io_uring_setup', 'Function not implemented'],
      ['keyctl', 'Function not implemented'],
      ['add_key', 'Function not implemented'],
      ['bpf', 'Operation not permitted'],
      ['perf_event_open', 'Operation not permitted'],
      ['userfaultfd', 'Operation not permitted'],
      ['pidfd_getfd', 'Operation not permitted'],
      ['process_vm_readv', 'Operation not permitted'],
    ]) {
      expect(r.out).toContain(`${call}: ${err}`);
    }
    expect(r.out).toMatch(/NoNewPrivs:\s+1/);
    expect(r.out).toMatch(/Seccomp:\s+2/);
    // The lab checks' path (exec) is confined the same way.
    const handle = server.manager.handle(alice.id())!;
    const check = await handle.exec(['/bin/bash', '-c', "grep -E '^(NoNewPrivs|Seccomp):' /proc/self/status; ls /proc/self/fd | wc -l"]);
    expect(check.stdout).toMatch(/NoNewPrivs:\s+1\nSeccomp:\s+2\n4\n/);
  });

  it("a learner's ~/.bashrc does not run in commands the server runs in the sandbox (checks, setup)", async () => {
    await a.run(`echo 'echo BASHRC-RAN >&2; alias psql=false; export PATH=/tmp/evil:$PATH' >> ~/.bashrc`);
    const handle = server.manager.handle(alice.id())!;
    const r = await handle.exec(['/bin/bash', '-c', 'echo $PATH; bash -c "echo nested"'], { input: 'x' });
    expect(r.stderr).not.toContain('BASHRC-RAN');
    expect(r.stdout).not.toContain('/tmp/evil');
    expect(r.stdout).toContain('nested');
    await a.run("sed -i '$d' ~/.bashrc");
  });

  it('a million empty files cannot be made: each area has an inode limit, and the learner is told', async () => {
    const r = await b.run(
      'cd /tmp && for i in $(seq 1 20000); do : > f$i || { echo "stopped at $i"; break; }; done 2>&1 | tail -2; df -i /tmp /var /run /dev/shm | tail -n +2',
      120_000,
    );
    expect(r.out).toMatch(/No space left on device/);
    const stopped = Number(/stopped at (\d+)/.exec(r.out)?.[1]);
    expect(stopped).toBeGreaterThan(16_000);
    expect(stopped).toBeLessThanOrEqual(16_384);
    expect(r.out).toMatch(/tmpfs\s+100000\s/);
    await b.until(
      () =>
        b.messages.some(
          (m) => m.type === 'notice' && m.text === '/tmp has as many files as it may hold: delete files you no longer need there.',
        ),
      10_000,
      'inode notice',
    );
    await b.run('rm -rf /tmp/f*');
  });

  it('/dev/shm has a size; all sandboxes of a state dir share a memory cap below the RAM', async () => {
    const r = await a.run('df --output=size -B1M /dev/shm | tail -1');
    expect(Number(r.out.trim())).toBe(64);
    const inst = instanceOf(STATE_DIR).instance;
    // The cap as the driver's own cgroup backend sees it (v1 or v2); CI's hosts have cgroups, so rlimit mode is a failure here.
    const view = hostCgroups().memoryView(inst);
    expect(view, 'the state dir has a memory cgroup').toBeDefined();
    const capFile = view!.version === 1 ? `${view!.dir}/memory.limit_in_bytes` : `${view!.dir}/memory.max`;
    const cap = Number(readFileSync(capFile, 'utf8'));
    const ram = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]) * 1024;
    expect(cap).toBeLessThan(ram);
    expect(cap).toBeGreaterThan(ram - 4 * 2 ** 30);
  });

  it('hides the host: no host accounts, machine id, kernel command line, state dir or server pid inside', async () => {
    const r = await a.run(
      'ls /etc/passwd- /etc/group- /etc/machine-id /etc/subuid /etc/shadow 2>&1; echo "cmdline:[$(cat /proc/cmdline 2>&1)]"; cat /etc/hostname; tr "\\0" " " < /proc/1/cmdline; echo; cat /proc/self/cgroup /proc/self/mountinfo; cat /etc/resolv.conf 2>&1; getent hosts test-db-host || echo unknown-fast',
    );
    for (const f of ['/etc/passwd-', '/etc/group-', '/etc/machine-id', '/etc/subuid', '/etc/shadow']) {
      expect(r.out).toContain(`ls: cannot access '${f}': No such file or directory`);
    }
    // The host's kernel command line is not shown (bwrap: the file cannot be opened; Docker: it reads as empty).
    expect(r.out).not.toContain(readFileSync('/proc/cmdline', 'utf8').trim());
    expect(r.out).toMatch(/cmdline:\[(cat: \/proc\/cmdline: (Permission denied|No such file or directory))?\]/);
    expect(r.out).toContain('sandbox\n');
    expect(r.out).not.toContain(STATE_DIR);
    expect(r.out).not.toContain(String(process.pid));
    // Nor the host's resolvers (bwrap: no resolv.conf; Docker: one naming only 127.0.0.1).
    for (const ns of readFileSync('/etc/resolv.conf', 'utf8').matchAll(/^nameserver\s+(\S+)/gm)) {
      if (ns[1] !== '127.0.0.1') expect(r.out).not.toContain(ns[1]);
    }
    expect(r.out).toContain('unknown-fast');
  });

  it('one shell takes at most DRILLBOOK_MAX_VIEWERS connections', async () => {
    const extra = [await alice.terminal(), await alice.terminal()];
    const fourth = new Terminal(server.url.replace('http', 'ws') + '/api/sandbox/terminal?cols=80&rows=24', alice.cookie);
    await expect(fourth.ready).rejects.toThrow(/^TooManyViewers: Your sandbox already has 3 terminal connections open, the most allowed\./);
    for (const t of extra) t.close();
  });

  it('typing into a shell that does not read: the server stops reading the socket, holds one frame, and stays idle', async () => {
    await b.run('true');
    b.type('sleep 8\r');
    await new Promise((ok) => setTimeout(ok, 300));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 512; i++) b.ws.send(chunk, { binary: true }); // 32 MiB of keystrokes
    // Let the burst settle: the client (in this same process) hands what the kernel takes to the
    // socket, and the server reads up to its mark and then stops.
    await new Promise((ok) => setTimeout(ok, 2_000));
    // Now the shell takes its input only as fast as the terminal's line buffer lets it: a server that
    // kept polling a paused socket, or read and dropped input, would show as CPU time in this process
    // (a spinning loop is ~1.0) or as a backlog past one frame over the mark.
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    await new Promise((ok) => setTimeout(ok, 2_000));
    const cpu = process.cpuUsage(cpu0);
    const busy = (cpu.user + cpu.system) / 1000 / (Date.now() - t0);
    // The server stopped reading the socket: most of it is still on the client's side (the kernel's
    // loopback buffers hold at most ~10 MiB), and the shell's backlog is one frame past the mark.
    const clientHeld = b.ws.bufferedAmount;
    expect(clientHeld).toBeGreaterThan(16 * 2 ** 20);
    expect(server.manager.inputBacklog(bob.id())).toBeLessThanOrEqual(INPUT_HIGH_WATER + 64 * 1024);
    expect(busy).toBeLessThan(0.5);
    b.type('\x03');
  });
});
