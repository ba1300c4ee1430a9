/**
 * What the bwrap driver needs on the host before anything else: the Debian
 * packages its sandboxes run (the launcher installs them for `up` and
 * `test`), and whether this host can give one sandbox its memory. Pure
 * checks of the file system and numbers; the bubblewrap probe itself is the
 * driver's (it starts a process).
 */
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';

const REQUIRED: [path: string, pkg: string][] = [
  ['/usr/bin/bwrap', 'bubblewrap'],
  ['/usr/bin/nsenter', 'util-linux'],
  ['/usr/bin/setpriv', 'util-linux'],
  ['/usr/bin/prlimit', 'util-linux'],
  ['/usr/bin/perl', 'perl-base'],
  ['/usr/lib/postgresql/15/bin/postgres', 'postgresql-15'],
  ['/usr/lib/postgresql/15/bin/initdb', 'postgresql-15'],
  ['/usr/sbin/mariadbd', 'mariadb-server'],
  ['/usr/bin/mariadb-install-db', 'mariadb-server'],
  ['/usr/bin/mariadb', 'mariadb-client'],
  ['/usr/bin/mariabackup', 'mariadb-backup'],
  ['/usr/bin/mydumper', 'mydumper'],
  ['/usr/bin/zstd', 'zstd'],
  ['/usr/bin/ps', 'procps'],
  ['/usr/bin/pgbackrest', 'pgbackrest'],
  ['/usr/bin/age', 'age'],
  // The object-storage lab's S3 server (libexec/s3-server: Swift with s3api) and its client.
  ['/usr/lib/python3/dist-packages/swift/common/middleware/s3api/s3api.py', 'python3-swift'],
  ['/usr/bin/aws', 'awscli'],
  ['/usr/bin/nano', 'nano'],
  ['/usr/bin/htop', 'htop'],
];

/** The Debian packages sandbox mode needs (also installed by `./drillbook up`). */
export const SANDBOX_PACKAGES = [...new Set(REQUIRED.map(([, p]) => p))];

/** What is missing, as the message a server prints and stops on; undefined when every file is there. */
export function missingPackages(): string | undefined {
  const missing = REQUIRED.filter(([path]) => !existsSync(path));
  if (missing.length === 0) return undefined;
  const pkgs = [...new Set(missing.map(([, p]) => p))];
  return (
    `sandbox mode needs ${missing.map(([p]) => p).join(', ')} (Debian packages: ${pkgs.join(' ')}). ` +
    `Install them with: sudo apt-get install -y ${SANDBOX_PACKAGES.join(' ')} ` +
    `(./drillbook up does this when run as root), or set DRILLBOOK_SANDBOX=off to serve only the static site.`
  );
}

/** Why bubblewrap's probe failed, with what to do. */
export function probeFailed(stderr: string, code: number | null): string {
  return (
    `bubblewrap cannot create a sandbox on this host: ${stderr.trim() || `exit ${code}`}. ` +
    `Unprivileged user namespaces must be enabled (sysctl kernel.unprivileged_userns_clone=1 or user.max_user_namespaces > 0), ` +
    `or set DRILLBOOK_SANDBOX=off to serve only the static site.`
  );
}

/** Why one sandbox does not fit in the memory left for sandboxes; undefined when it does. */
export function noRoomForOne(memoryCap: number, reserveBytes: number, sandboxBytes: number): string | undefined {
  if (memoryCap >= sandboxBytes) return undefined;
  return `this host has ${Math.round(totalmem() / 2 ** 20)} MB of memory: after the ${Math.round(reserveBytes / 2 ** 20)} MB kept for the host (DRILLBOOK_MEMORY_RESERVE) there is no room for one sandbox of ${Math.round(sandboxBytes / 2 ** 20)} MB (DRILLBOOK_SANDBOX_MEMORY).`;
}
