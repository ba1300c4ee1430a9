/**
 * The key that signs learner cookies, kept in the state dir (mode 0600) so
 * that a restart keeps every learner (and their results) instead of making
 * them all new. DRILLBOOK_SECRET, when set, wins.
 *
 * Contract: the key returned is never shorter than 32 characters. A kept file
 * that is shorter (empty after a full disk at first start, cut short, edited
 * by hand) is replaced atomically by a new key — signing with "" would let
 * anyone forge any learner's or instructor's cookie.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MIN_LENGTH = 32;

/** The kept key when the file holds one long enough; undefined when it is missing or too short. */
function readKept(file: string): string | undefined {
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept.length < MIN_LENGTH) return undefined;
    chmodSync(file, 0o600);
    return kept;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the cookie key ${file}: ${(e as Error).message}`);
  }
}

export function loadOrCreateSecret(stateDir: string): string {
  const file = join(stateDir, 'secret');
  const kept = readKept(file);
  if (kept !== undefined) return kept;
  mkdirSync(stateDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  try {
    // wx: never overwrite a key another process wrote meanwhile; read that one instead.
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new Error(`cannot keep the cookie key in ${file}: ${(e as Error).message}`);
  }
  const written = readKept(file);
  if (written !== undefined) return written;
  // The file exists but is too short: replace it whole (a rename is atomic), then use what is on disk.
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${secret}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (e) {
    throw new Error(`cannot replace the cookie key ${file}, which is shorter than ${MIN_LENGTH} characters: ${(e as Error).message}`);
  }
  return readKept(file) ?? secret;
}
