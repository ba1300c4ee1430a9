/**
 * Instructors and their passwords. DRILLBOOK_INSTRUCTOR_PASSWORD is read at
 * start and kept only as scrypt hashes in `STATE_DIR/instructors.json`
 * (mode 0600): a password alone names one instructor, "instructor";
 * `name:password` entries separated by commas name several. Without the
 * variable, the hashes kept from an earlier start are used; without either,
 * instructors sign in with one-time links printed by the CLI.
 */
import { randomBytes, scrypt, timingSafeEqual, type BinaryLike, type ScryptOptions } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LMS_COURSE_PREFIX } from '../store/workshops.ts';

export const DEFAULT_INSTRUCTOR = 'instructor';
const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 } as const;
export const INSTRUCTOR_NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

interface Kept {
  salt: string;
  hash: string;
  N: number;
  r: number;
  p: number;
}

function derive(password: BinaryLike, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 64 * 1024 * 1024 };
  return new Promise((ok, fail) => scrypt(password, salt, SCRYPT.keylen, opts, (e, key) => (e ? fail(e) : ok(key))));
}

/** Parses the variable: "pw" or "ana:pw1,bo:pw2". Throws naming what is wrong (never the password). */
export function parseInstructors(value: string): Map<string, string> {
  const out = new Map<string, string>();
  const v = value.trim();
  if (!v.includes(':')) {
    out.set(DEFAULT_INSTRUCTOR, v);
    return out;
  }
  for (const entry of v.split(',')) {
    const i = entry.indexOf(':');
    const name = entry.slice(0, i).trim().toLowerCase();
    const pw = entry.slice(i + 1);
    if (i < 0 || !INSTRUCTOR_NAME.test(name) || pw.length === 0)
      throw new Error(
        'DRILLBOOK_INSTRUCTOR_PASSWORD: write one password, or name:password entries separated by commas (names: lower-case letters, digits, . _ -)',
      );
    if (name.startsWith(LMS_COURSE_PREFIX))
      throw new Error(
        `DRILLBOOK_INSTRUCTOR_PASSWORD: "${name}": names starting with ${LMS_COURSE_PREFIX} are kept for the instructors of LMS courses (LTI); choose another`,
      );
    out.set(name, pw);
  }
  return out;
}

function readKept(file: string): Record<string, Kept> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, Kept>;
}

/** Who the kept file lists (none when there is none, or it is damaged: the variable replaces it). */
function keptNames(file: string): string[] {
  try {
    return existsSync(file) ? Object.keys(readKept(file)) : [];
  } catch {
    return [];
  }
}

export class Instructors {
  private kept: Map<string, Kept>;
  /**
   * Instructors kept from the last start that the variable no longer lists: their sessions are
   * ended at start (serve.ts), whatever way they signed in.
   */
  readonly removed: string[];
  private constructor(kept: Map<string, Kept>, removed: string[] = []) {
    this.kept = kept;
    this.removed = removed;
  }

  get names(): string[] {
    return [...this.kept.keys()];
  }

  /** Whether this instructor signs in with a password here. */
  has(name: string): boolean {
    return this.kept.has(name);
  }

  /** Hashes the variable's passwords into the state dir (replacing what was kept), or reads what was kept. */
  static async load(stateDir: string, value: string | undefined): Promise<Instructors> {
    const file = join(stateDir, 'instructors.json');
    if (value !== undefined && value.trim() !== '') {
      const kept = new Map<string, Kept>();
      for (const [name, pw] of parseInstructors(value)) {
        const salt = randomBytes(16);
        const key = await derive(pw, salt, SCRYPT);
        kept.set(name, { salt: salt.toString('base64'), hash: key.toString('base64'), N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
      }
      const before = keptNames(file);
      mkdirSync(stateDir, { recursive: true });
      writeFileSync(file, `${JSON.stringify(Object.fromEntries(kept), null, 1)}\n`, { mode: 0o600 });
      chmodSync(file, 0o600);
      return new Instructors(
        kept,
        before.filter((n) => !kept.has(n)),
      );
    }
    if (existsSync(file)) return new Instructors(new Map(Object.entries(readKept(file))));
    return new Instructors(new Map());
  }

  /** The instructor a name and password sign in as, or undefined. An empty name means the only instructor. */
  async verify(name: string, password: string): Promise<string | undefined> {
    const who = name.trim().toLowerCase() || (this.kept.size === 1 ? this.names[0]! : DEFAULT_INSTRUCTOR);
    const k = this.kept.get(who);
    // Unknown names cost as much as known ones, so timing does not tell which exist.
    const salt = k ? Buffer.from(k.salt, 'base64') : randomBytes(16);
    const key = await derive(password, salt, k ?? SCRYPT);
    if (!k) return undefined;
    const want = Buffer.from(k.hash, 'base64');
    return want.length === key.length && timingSafeEqual(want, key) ? who : undefined;
  }
}
