/**
 * The seccomp filter every process of a sandbox runs under: a classic BPF
 * program (pure bytes, built here) that denies the kernel interfaces a
 * database course never needs and that widen the attack surface for a
 * hostile learner: io_uring, the key store, bpf, perf events, userfaultfd,
 * the mount APIs, new namespaces (clone with CLONE_NEW* flags, unshare,
 * setns; clone3 answers ENOSYS so libc falls back to clone, whose flags can
 * be read), ptrace and reading or stealing other processes' memory and
 * descriptors (process_vm_*, pidfd_getfd), file handles (open_by_handle_at),
 * and module/kexec loading. Everything else is allowed; an unknown
 * architecture, or a 32-bit (x32) call on x86_64, is refused outright.
 *
 * Written by hand because no maintained Node library builds seccomp filters
 * (libseccomp would need a native addon); the program is small, its layout is
 * the kernel's documented one (linux/seccomp.h, linux/filter.h), and unit
 * tests run it through a BPF interpreter against known calls. It is loaded by
 * rootfs/libexec/confine (prctl, no-new-privs first) on every path into a
 * sandbox.
 */

/** Kernel constants (linux/audit.h, linux/seccomp.h, linux/filter.h). */
export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const AUDIT_ARCH_AARCH64 = 0xc00000b7;
export const SECCOMP_RET_KILL_PROCESS = 0x80000000;
export const SECCOMP_RET_ERRNO = 0x00050000;
export const SECCOMP_RET_ALLOW = 0x7fff0000;
export const EPERM = 1;
export const ENOSYS = 38;
const X32_SYSCALL_BIT = 0x40000000;

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_JGE_K = 0x35;
const BPF_JSET_K = 0x45;
const BPF_RET_K = 0x06;

/** Offsets into struct seccomp_data. */
const OFF_NR = 0;
const OFF_ARCH = 4;
/** Low 32 bits of args[0] (little-endian): clone's flags. */
const OFF_ARG0_LO = 16;

/** Any flag that makes clone() create a namespace. */
export const CLONE_NEW_FLAGS =
  0x00020000 | // CLONE_NEWNS
  0x02000000 | // CLONE_NEWCGROUP
  0x04000000 | // CLONE_NEWUTS
  0x08000000 | // CLONE_NEWIPC
  0x10000000 | // CLONE_NEWUSER
  0x20000000 | // CLONE_NEWPID
  0x40000000; // CLONE_NEWNET

/** The calls denied, with the errno they fail with. */
export const DENIED = {
  ptrace: EPERM,
  process_vm_readv: EPERM,
  process_vm_writev: EPERM,
  pidfd_getfd: EPERM,
  io_uring_setup: ENOSYS,
  io_uring_enter: ENOSYS,
  io_uring_register: ENOSYS,
  keyctl: ENOSYS,
  add_key: ENOSYS,
  request_key: ENOSYS,
  bpf: EPERM,
  perf_event_open: EPERM,
  userfaultfd: EPERM,
  mount: EPERM,
  umount2: EPERM,
  pivot_root: EPERM,
  open_tree: EPERM,
  move_mount: EPERM,
  fsopen: EPERM,
  fsconfig: EPERM,
  fsmount: EPERM,
  fspick: EPERM,
  mount_setattr: EPERM,
  unshare: EPERM,
  setns: EPERM,
  clone3: ENOSYS,
  open_by_handle_at: EPERM,
  name_to_handle_at: EPERM,
  kexec_load: EPERM,
  kexec_file_load: EPERM,
  init_module: EPERM,
  finit_module: EPERM,
  delete_module: EPERM,
} as const;

export type DeniedCall = keyof typeof DENIED;

/** Syscall numbers per architecture (arch/x86/entry/syscalls/syscall_64.tbl; include/uapi/asm-generic/unistd.h). */
export const SYSCALLS = {
  x86_64: {
    audit: AUDIT_ARCH_X86_64,
    clone: 56,
    nr: {
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      pidfd_getfd: 438,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      keyctl: 250,
      add_key: 248,
      request_key: 249,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      unshare: 272,
      setns: 308,
      clone3: 435,
      open_by_handle_at: 304,
      name_to_handle_at: 303,
      kexec_load: 246,
      kexec_file_load: 320,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
    },
  },
  aarch64: {
    audit: AUDIT_ARCH_AARCH64,
    clone: 220,
    nr: {
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      pidfd_getfd: 438,
      io_uring_setup: 425,
      io_uring_enter: 426,
      io_uring_register: 427,
      keyctl: 219,
      add_key: 217,
      request_key: 218,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
      unshare: 97,
      setns: 268,
      clone3: 435,
      open_by_handle_at: 265,
      name_to_handle_at: 264,
      kexec_load: 104,
      kexec_file_load: 294,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
    },
  },
} as const satisfies Record<string, { audit: number; clone: number; nr: Record<DeniedCall, number> }>;

export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const stmt = (code: number, k: number): Insn => ({ code, jt: 0, jf: 0, k });
const jump = (code: number, k: number, jt: number, jf: number): Insn => ({ code, jt, jf, k });

/** The instructions for one architecture's block: deny list, clone flags, then allow. */
function archBlock(arch: keyof typeof SYSCALLS): Insn[] {
  const a = SYSCALLS[arch];
  const out: Insn[] = [stmt(BPF_LD_W_ABS, OFF_NR)];
  if (arch === 'x86_64') {
    // x32 calls (the same numbers with bit 30 set) would slip past the list: refuse them all.
    out.push(jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1), stmt(BPF_RET_K, SECCOMP_RET_ERRNO | ENOSYS));
  }
  for (const [name, nr] of Object.entries(a.nr) as [DeniedCall, number][]) {
    out.push(jump(BPF_JEQ_K, nr, 0, 1), stmt(BPF_RET_K, SECCOMP_RET_ERRNO | DENIED[name]));
  }
  // clone with any CLONE_NEW* flag: EPERM; other clones (threads, fork) pass.
  out.push(
    jump(BPF_JEQ_K, a.clone, 0, 3),
    stmt(BPF_LD_W_ABS, OFF_ARG0_LO),
    jump(BPF_JSET_K, CLONE_NEW_FLAGS, 0, 1),
    stmt(BPF_RET_K, SECCOMP_RET_ERRNO | EPERM),
    stmt(BPF_RET_K, SECCOMP_RET_ALLOW),
  );
  return out;
}

/** The whole program: dispatch on the architecture, then that architecture's block. */
export function seccompProgram(): Insn[] {
  const x86 = archBlock('x86_64');
  const arm = archBlock('aarch64');
  return [
    stmt(BPF_LD_W_ABS, OFF_ARCH),
    // x86_64 → next instruction block; else skip it.
    jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 0, x86.length),
    ...x86,
    jump(BPF_JEQ_K, AUDIT_ARCH_AARCH64, 0, arm.length),
    ...arm,
    stmt(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
  ];
}

/** The program as struct sock_filter[] bytes (little-endian), as prctl(PR_SET_SECCOMP) takes it. */
export function seccompFilterBytes(program: Insn[] = seccompProgram()): Buffer {
  const b = Buffer.alloc(program.length * 8);
  program.forEach((i, n) => {
    if (i.jt > 255 || i.jf > 255) throw new Error(`seccomp: jump too far at instruction ${n}`);
    b.writeUInt16LE(i.code, n * 8);
    b.writeUInt8(i.jt, n * 8 + 2);
    b.writeUInt8(i.jf, n * 8 + 3);
    b.writeUInt32LE(i.k >>> 0, n * 8 + 4);
  });
  return b;
}

/**
 * Runs the program on one call, as the kernel would: the verdict for
 * (arch, nr, args[0]). For tests, and for documentation of what the filter does.
 */
export function evaluate(program: Insn[], call: { arch: number; nr: number; arg0?: number }): number {
  const data = (off: number) =>
    (off === OFF_ARCH ? call.arch : off === OFF_NR ? call.nr : off === OFF_ARG0_LO ? (call.arg0 ?? 0) : 0) >>> 0;
  let acc = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const i = program[pc]!;
    switch (i.code) {
      case BPF_LD_W_ABS:
        acc = data(i.k);
        break;
      case BPF_JEQ_K:
        pc += acc === i.k >>> 0 ? i.jt : i.jf;
        break;
      case BPF_JGE_K:
        pc += acc >= i.k >>> 0 ? i.jt : i.jf;
        break;
      case BPF_JSET_K:
        pc += (acc & i.k) !== 0 ? i.jt : i.jf;
        break;
      case BPF_RET_K:
        return i.k >>> 0;
      default:
        throw new Error(`seccomp: unknown instruction ${i.code}`);
    }
  }
  throw new Error('seccomp: program fell off its end');
}
