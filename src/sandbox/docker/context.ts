/**
 * The build context of the sandbox image: everything that goes into
 * `drillbook-sandbox:<key>` besides Debian's packages, staged in one folder
 * that both builds use (image.ts without a registry; the Dockerfile where
 * base images can be pulled):
 *
 *   Dockerfile, packages.sh, finish.sh   (src/sandbox/docker/image)
 *   opt/drillbook/                       src/sandbox/rootfs without etc/, plus libexec/seccomp.bpf
 *   etc/                                 src/sandbox/rootfs/etc (laid over Debian's /etc)
 *   etc-left-out, other-pg-versions,     the lists the bwrap driver uses (bwrap/files.ts, bwrap/argv.ts),
 *   usr-local-dirs, backup-roots         one per line, so the image is laid out as a bwrap sandbox is
 *
 * The image's key is a hash of the staged files (names, modes, contents), so
 * the image is rebuilt exactly when one of them changes; its base (Debian's
 * packages) is keyed by packages.sh alone.
 */
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKUP_ROOTS, OTHER_PG_VERSIONS, USR_LOCAL_DIRS } from '../bwrap/argv.ts';
import { ETC_LEFT_OUT, ROOTFS } from '../bwrap/files.ts';
import { seccompFilterBytes } from '../seccomp.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const IMAGE_SOURCES = resolve(HERE, 'image');

/** Repository of the sandbox image and of its base (Debian's packages only). */
export const IMAGE_REPO = 'drillbook-sandbox';
export const BASE_REPO = 'drillbook-sandbox-base';

/** Writes the build context into `dir` (made fresh). */
export function stageContext(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of ['Dockerfile', 'packages.sh', 'finish.sh']) cpSync(join(IMAGE_SOURCES, f), join(dir, f));
  const opt = join(dir, 'opt', 'drillbook');
  cpSync(ROOTFS, opt, { recursive: true, verbatimSymlinks: true });
  rmSync(join(opt, 'etc'), { recursive: true, force: true });
  writeFileSync(join(opt, 'libexec', 'seccomp.bpf'), seccompFilterBytes());
  cpSync(join(ROOTFS, 'etc'), join(dir, 'etc'), { recursive: true, verbatimSymlinks: true });
  const lines = (items: Iterable<string>) => [...items].join('\n') + '\n';
  writeFileSync(join(dir, 'etc-left-out'), lines(ETC_LEFT_OUT));
  writeFileSync(join(dir, 'other-pg-versions'), lines(OTHER_PG_VERSIONS));
  writeFileSync(join(dir, 'usr-local-dirs'), lines(USR_LOCAL_DIRS));
  writeFileSync(join(dir, 'backup-roots'), lines(BACKUP_ROOTS));
  // A checkout may have been made with any umask: the image gets the same modes from every one.
  normaliseModes(dir);
}

function normaliseModes(path: string): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.isDirectory()) {
    chmodSync(path, 0o755);
    for (const e of readdirSync(path)) normaliseModes(join(path, e));
  } else chmodSync(path, st.mode & 0o111 ? 0o755 : 0o644);
}

/** sha256 over every file and link under `root`: relative path, mode and contents (or link target). */
export function hashTree(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = join(dir, e.name);
      const st = lstatSync(abs);
      h.update(`${relative(root, abs)}\0${st.mode & 0o7777}\0`);
      if (st.isSymbolicLink()) h.update(`-> ${readlinkSync(abs)}`);
      else if (st.isDirectory()) walk(abs);
      else h.update(readFileSync(abs));
      h.update('\0');
    }
  };
  walk(root);
  return h.digest('hex').slice(0, 16);
}

/** The base's key: Debian bookworm and packages.sh (which lists the packages). */
export function baseKey(): string {
  return createHash('sha256')
    .update('debian bookworm\0')
    .update(readFileSync(join(IMAGE_SOURCES, 'packages.sh')))
    .digest('hex')
    .slice(0, 16);
}
