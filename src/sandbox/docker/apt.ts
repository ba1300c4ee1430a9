/**
 * Debian packages the Docker driver needs on the host (docker.io for the
 * daemon, debootstrap to build the image), installed the way the launcher
 * installs the others: as root, saying so; otherwise the error names the
 * exact command.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { run } from '../spawn.ts';

const POLICY = '/usr/sbin/policy-rc.d';

/** Whether a Debian package is installed. */
async function installed(pkg: string): Promise<boolean> {
  const r = await run(['dpkg-query', '-W', '-f=${Status}', pkg], { timeoutMs: 10_000 }).catch(() => null);
  return !!r && r.stdout.includes('install ok installed');
}

/**
 * Installs the missing ones of `pkgs`. No service starts while installing:
 * Debian's docker.io would otherwise start the system's Docker daemon at once,
 * with its default bridge network and firewall rules, which Drillbook never
 * uses (it runs a private daemon without either). A policy-rc.d already in
 * place is left as it is.
 */
export async function ensurePackages(pkgs: string[], log: (line: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const p of pkgs) if (!(await installed(p))) missing.push(p);
  if (!missing.length) return;
  const cmd = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`the Docker driver needs the Debian packages ${missing.join(' ')}. Install them as root with: sudo bash -c '${cmd}'`);
  }
  log(`installing Debian packages: ${missing.join(' ')} (no service is started)`);
  const ownPolicy = !existsSync(POLICY);
  if (ownPolicy)
    writeFileSync(POLICY, '#!/bin/sh\n# Drillbook: no service starts while it installs packages.\nexit 101\n', { mode: 0o755 });
  try {
    const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', DEBIAN_FRONTEND: 'noninteractive', LANG: 'C.UTF-8' };
    const update = await run(['apt-get', 'update'], { env, timeoutMs: 600_000 });
    if (update.code !== 0) throw new Error(`apt-get update failed: ${update.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const r = await run(['apt-get', 'install', '-y', '--no-install-recommends', ...missing], { env, timeoutMs: 1_200_000 });
    if (r.code !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  } finally {
    if (ownPolicy) rmSync(POLICY, { force: true });
  }
}
