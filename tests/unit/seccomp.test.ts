/** The sandbox's seccomp filter, run through a BPF interpreter as the kernel would run it. */
import { describe, expect, it } from 'vitest';
import {
  AUDIT_ARCH_AARCH64,
  AUDIT_ARCH_X86_64,
  DENIED,
  ENOSYS,
  EPERM,
  evaluate,
  SECCOMP_RET_ALLOW,
  SECCOMP_RET_ERRNO,
  SECCOMP_RET_KILL_PROCESS,
  seccompFilterBytes,
  seccompProgram,
  SYSCALLS,
} from '../../src/sandbox/seccomp.ts';

const program = seccompProgram();
const x86 = (nr: number, arg0 = 0) => evaluate(program, { arch: AUDIT_ARCH_X86_64, nr, arg0 });
const arm = (nr: number, arg0 = 0) => evaluate(program, { arch: AUDIT_ARCH_AARCH64, nr, arg0 });

describe('seccomp filter', () => {
  it('denies every listed call on both architectures, with its errno', () => {
    for (const arch of ['x86_64', 'aarch64'] as const) {
      for (const [name, nr] of Object.entries(SYSCALLS[arch].nr)) {
        const run = arch === 'x86_64' ? x86 : arm;
        expect(run(nr), `${arch} ${name}`).toBe(SECCOMP_RET_ERRNO | DENIED[name as keyof typeof DENIED]);
      }
    }
    expect(x86(SYSCALLS.x86_64.nr.io_uring_setup)).toBe(SECCOMP_RET_ERRNO | ENOSYS);
    expect(x86(SYSCALLS.x86_64.nr.ptrace)).toBe(SECCOMP_RET_ERRNO | EPERM);
  });

  it('allows what a shell and the database servers use', () => {
    // read, write, openat, mmap, fork-style clone, execve, socket, fsync, futex, io_submit (libaio)
    for (const nr of [0, 1, 257, 9, 59, 41, 74, 202, 209, 206]) expect(x86(nr)).toBe(SECCOMP_RET_ALLOW);
    // clone for a thread (CLONE_VM|CLONE_THREAD|…) and for fork (SIGCHLD)
    expect(x86(56, 0x003d0f00)).toBe(SECCOMP_RET_ALLOW);
    expect(x86(56, 17)).toBe(SECCOMP_RET_ALLOW);
    expect(arm(220, 17)).toBe(SECCOMP_RET_ALLOW);
    expect(arm(63)).toBe(SECCOMP_RET_ALLOW); // read on aarch64
  });

  it('refuses clone with any new-namespace flag', () => {
    for (const flag of [0x00020000, 0x10000000, 0x20000000, 0x40000000, 0x04000000, 0x08000000, 0x02000000]) {
      expect(x86(56, flag | 17)).toBe(SECCOMP_RET_ERRNO | EPERM);
      expect(arm(220, flag | 17)).toBe(SECCOMP_RET_ERRNO | EPERM);
    }
  });

  it('refuses x32 calls and kills a process of another architecture', () => {
    expect(x86(0x40000000 + SYSCALLS.x86_64.nr.ptrace)).toBe(SECCOMP_RET_ERRNO | ENOSYS);
    expect(x86(0x40000000)).toBe(SECCOMP_RET_ERRNO | ENOSYS);
    expect(evaluate(program, { arch: 0x40000003 /* i386 */, nr: 26 })).toBe(SECCOMP_RET_KILL_PROCESS);
  });

  it('is encoded as struct sock_filter[] (8 bytes each, little-endian)', () => {
    const b = seccompFilterBytes();
    expect(b.length).toBe(program.length * 8);
    expect(b.readUInt16LE(0)).toBe(0x20); // ld [arch]
    expect(b.readUInt32LE(4)).toBe(4);
    expect(b.readUInt32LE(b.length - 4)).toBe(SECCOMP_RET_KILL_PROCESS);
  });
});
