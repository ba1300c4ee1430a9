/**
 * The key that signs learner cookies, kept in the state dir (mode 0600) so
 * that a restart keeps every learner (and their results) instead of making
 * them all new. DRILLBOOK_SECRET, when set, wins.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function loadOrCreateSecret(stateDir: string): string {
  const file = join(stateDir, 'secret');
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length >= 32) {
      chmodSync(file, 0o600);
      return kept;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the cookie key ${file}: ${(e as Error).message}`);
  }
  mkdirSync(stateDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  // wx: never overwrite a key another process wrote meanwhile; read that one instead.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw new Error(`cannot keep the cookie key in ${file}: ${(e as Error).message}`);
  }
}
