/**
 * The LTI tables of the results store (migration 004) on both engines: the
 * single use of states and nonces, identities for gradebooks
 * (lmsIdentities), best lab attempts, and the score queue's order (only the
 * oldest queued score of a (line item, user) is ever due). PostgreSQL as in
 * store.test.ts: DRILLBOOK_TEST_DATABASE_URL, else a cluster of its own.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT } from 'jose';
import { LEGACY_KEY_FILE, loadOrCreateToolKey, TOOL_ALG } from '../../src/lti/keys.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import type { NewScore } from '../../src/store/lti.ts';
import { createDatabase } from '../../src/store/pg-cluster.ts';
import { testPostgres } from '../helpers/pg.ts';

const pgBase = testPostgres();

let n = 0;
/** A new store; `again()` opens a second handle on the same database (another server). */
async function fresh(engine: 'sqlite' | 'postgres'): Promise<Store & { again: () => Promise<Store> }> {
  const stateDir = mkdtempSync(join(tmpdir(), 'drillbook-lti-store-'));
  const opts =
    engine === 'sqlite' ? { stateDir } : { stateDir, databaseUrl: await createDatabase(pgBase(), `drillbook_lti_${process.pid}_${++n}`) };
  return Object.assign(await openStore(opts), { again: () => openStore(opts) });
}

const score = (lineitem: string, userId: string, given: number): NewScore => ({
  issuer: 'https://lms.example',
  clientId: 'c1',
  lineitem,
  userId,
  learner: `learner-${userId}`,
  scoreGiven: given,
  scoreMaximum: 4,
  activityProgress: 'InProgress',
  gradingProgress: 'FullyGraded',
});

describe.each(['sqlite', 'postgres'] as const)('LTI store on %s', (engine) => {
  it('a login state and a nonce are used once; a second use changes nothing', async () => {
    const s = await fresh(engine);
    try {
      const { state, nonce } = await s.lti.createLogin('https://lms.example', 'c1');
      expect(await s.lti.nonceSeen('https://lms.example', nonce)).toBe(false);
      expect(await s.lti.consume(state, 'https://lms.example', nonce)).toBe(true);
      expect(await s.lti.consume(state, 'https://lms.example', nonce)).toBe(false);
      expect(await s.lti.nonceSeen('https://lms.example', nonce)).toBe(true);
      // A fresh state with a nonce seen before: refused, and the fresh state stays unused.
      const other = await s.lti.createLogin('https://lms.example', 'c1');
      expect(await s.lti.consume(other.state, 'https://lms.example', nonce)).toBe(false);
      expect((await s.lti.login(other.state))?.usedAt).toBeNull();
    } finally {
      await s.close();
    }
  });

  it('lmsIdentities maps members of an LMS course to their platform identity', async () => {
    const s = await fresh(engine);
    try {
      const w = await s.workshops.create({ title: 'BR101', seats: 10, lessons: [], startsAt: null, endsAt: null, createdBy: 'lti-x' });
      await s.lti.addContext('https://lms.example', 'd1', 'course-1', w.id, 'BR101');
      await s.workshops.join(w, 'L1', 'Ana');
      await s.workshops.join(w, 'L2', 'Bo');
      await s.workshops.join(w, 'L3', 'Cy (joined by code, no LMS identity)'.slice(0, 40));
      await s.lti.putUser({
        issuer: 'https://lms.example',
        subject: 'u-ana',
        learner: 'L1',
        name: 'Ana Lima',
        email: 'ana@x.edu',
        sourcedid: 'SIS-1',
        custom: { a: 1, canvas_user_id: '4821' },
      });
      await s.lti.putUser({
        issuer: 'https://lms.example',
        subject: 'u-bo',
        learner: 'L2',
        name: null,
        email: null,
        sourcedid: null,
        // A platform that does not know the variable sends it as written: not an id.
        custom: { canvas_user_id: '$Canvas.user.id' },
      });
      // Bo's identity on another platform is not this course's.
      await s.lti.putUser({
        issuer: 'https://other.example',
        subject: 'zz',
        learner: 'L2',
        name: 'Other',
        email: null,
        sourcedid: null,
        custom: {},
      });
      const ids = await s.lti.lmsIdentities(w.id);
      expect(Object.fromEntries(ids)).toEqual({
        L1: { lmsUserId: 'u-ana', sisId: 'SIS-1', canvasUserId: '4821', email: 'ana@x.edu', name: 'Ana Lima' },
        L2: { lmsUserId: 'u-bo' },
      });
      // Placements of the course, and the courses a learner is in with their identity there.
      await s.lti.putPlacement({
        issuer: 'https://lms.example',
        clientId: 'c1',
        deploymentId: 'd1',
        resourceLinkId: 'rl-1',
        workshop: w.id,
        target: 'quiz:q1',
        lineitem: null,
      });
      await s.lti.putPlacement({
        issuer: 'https://lms.example',
        clientId: 'c1',
        deploymentId: 'd1',
        resourceLinkId: 'rl-1',
        workshop: w.id,
        target: 'quiz:q1',
        lineitem: 'https://lms.example/li/1',
      });
      expect((await s.lti.placements(w.id)).map((p) => [p.resourceLinkId, p.target, p.lineitem])).toEqual([
        ['rl-1', 'quiz:q1', 'https://lms.example/li/1'],
      ]);
      expect(await s.lti.learnerContexts('L2')).toEqual([{ workshop: w.id, issuer: 'https://lms.example', subject: 'u-bo' }]);
      expect(await s.lti.learnerContexts('L3')).toEqual([]);
      expect(await s.lti.contextWorkshop('https://lms.example', 'd1', 'course-1')).toBe(w.id);
      // A new launch refreshes the name and email the LMS sends.
      await s.lti.putUser({
        issuer: 'https://lms.example',
        subject: 'u-ana',
        learner: 'L1',
        name: 'Ana Lima-Souza',
        email: 'ana@x.edu',
        sourcedid: 'SIS-1',
        custom: {},
      });
      expect((await s.lti.lmsIdentities(w.id)).get('L1')?.name).toBe('Ana Lima-Souza');
    } finally {
      await s.close();
    }
  });

  it('hand-offs and deep linking sessions: used once, a bound hand-off only by its browser', async () => {
    const s = await fresh(engine);
    try {
      const bound = await s.lti.createHandoff('L1', null, '/x/', 60_000, 'browser-secret');
      expect(await s.lti.useHandoff(bound, undefined)).toBeUndefined();
      expect(await s.lti.useHandoff(bound, 'another-browser')).toBeUndefined();
      expect(await s.lti.useHandoff(bound, 'browser-secret')).toEqual({ learner: 'L1', instructor: null, route: '/x/' });
      expect(await s.lti.useHandoff(bound, 'browser-secret')).toBeUndefined();
      const open = await s.lti.createHandoff('L2', 'lti-abc', '/y/', 60_000, null);
      expect(await s.lti.useHandoff(open, undefined)).toEqual({ learner: 'L2', instructor: 'lti-abc', route: '/y/' });
      const expired = await s.lti.createHandoff('L3', null, '/z/', -1, null);
      expect(await s.lti.useHandoff(expired, undefined)).toBeUndefined();
      const dl = await s.lti.createDeepLink(
        { issuer: 'i', clientId: 'c', deploymentId: 'd', returnUrl: 'https://lms/return', data: null, workshop: 'w' },
        60_000,
      );
      expect(await s.lti.useDeepLink(dl)).toMatchObject({ returnUrl: 'https://lms/return', data: null });
      expect(await s.lti.useDeepLink(dl)).toBeUndefined();
    } finally {
      await s.close();
    }
  });

  it('labBest: the most checks passed in an attempt that ran', async () => {
    const s = await fresh(engine);
    try {
      const ok = (id: string) => ({ id, status: 'passed' as const, message: '', ms: 1, ran: true });
      const no = (id: string) => ({ id, status: 'not-yet' as const, message: '', ms: 1, ran: true });
      const err = (id: string) => ({ id, status: 'error' as const, message: 'server', ms: 1, ran: true });
      await s.results.recordAttempt('L1', 'lab-a', [ok('a'), no('b'), no('c')], true, null);
      await s.results.recordAttempt('L1', 'lab-a', [ok('a'), ok('b'), err('c')], true, null);
      await s.results.recordAttempt('L1', 'lab-a', [no('a'), no('b'), no('c')], true, null);
      expect(Object.fromEntries(await s.lti.labBest('L1', ['lab-a', 'lab-b']))).toEqual({ 'lab-a': 1 });
    } finally {
      await s.close();
    }
  });

  it('the queue: per (line item, user) only the oldest queued score is claimed, once its time has come, by one sender at a time', async () => {
    const s = await fresh(engine);
    try {
      const lease = { leaseMs: 60_000 };
      const ids = (xs: { id: number }[]) => xs.map((x) => x.id);
      const a1 = await s.lti.enqueue(score('https://lms/li/1', 'u1', 1));
      const a2 = await s.lti.enqueue(score('https://lms/li/1', 'u1', 2));
      const b1 = await s.lti.enqueue(score('https://lms/li/1', 'u2', 3));
      const c1 = await s.lti.enqueue(score('https://lms/li/2', 'u1', 4));
      // Server A takes two; server B gets the third head and nothing of A's, nor a2 (a1 is in flight).
      const byA = await s.lti.claim('A', { ...lease, limit: 2 });
      expect(ids(byA)).toEqual([a1.id, b1.id]);
      expect(byA.map((x) => x.leaseOwner)).toEqual(['A', 'A']);
      expect(ids(await s.lti.claim('B', lease))).toEqual([c1.id]);
      expect(await s.lti.claim('B', lease)).toEqual([]);
      // a1 failed: retried later; a2 must not overtake it. B's claim on c1 is B's alone.
      await s.lti.markRetry(a1.id, 'A', 1, new Date(Date.now() + 60_000).toISOString(), 'the platform answered 503');
      await s.lti.markRetry(c1.id, 'A', 1, new Date(Date.now() + 60_000).toISOString(), "not A's claim");
      expect((await s.lti.scores()).find((x) => x.id === c1.id)).toMatchObject({ attempts: 0, leaseOwner: 'B', lastError: null });
      expect(await s.lti.claim('B', lease)).toEqual([]);
      // A server that died holding b1 and c1: their leases run out, and another sender takes them.
      const later = Date.now() + 61_000;
      expect(ids(await s.lti.claim('C', { ...lease, at: later }))).toEqual([a1.id, b1.id, c1.id]);
      await s.lti.markSent(a1.id);
      await s.lti.markRejected(b1.id, 'C', 1, 'the platform answered 400');
      await s.lti.release(c1.id, 'C');
      expect(ids(await s.lti.claim('D', { ...lease, at: later }))).toEqual([a2.id, c1.id]);
      expect((await s.lti.lastScore('https://lms/li/1', 'u1'))?.id).toBe(a2.id);
      expect((await s.lti.scores()).map((x) => [x.id, x.state, x.leaseOwner])).toEqual([
        [a1.id, 'sent', null],
        [a2.id, 'queued', 'D'],
        [b1.id, 'rejected', null],
        [c1.id, 'queued', 'D'],
      ]);
    } finally {
      await s.close();
    }
  });

  it('two stores on one database claiming at once: every queued head is claimed exactly once', async () => {
    const s = await fresh(engine);
    const other = await s.again();
    try {
      const made = [];
      for (let u = 0; u < 30; u++) made.push((await s.lti.enqueue(score('https://lms/li/1', `u${u}`, 1))).id);
      const rounds = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? other : s).lti.claim(`owner-${i}`, { leaseMs: 60_000, limit: 4 })),
      );
      const claimed = rounds.flat().map((x) => x.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      const rest = await s.lti.claim('last', { leaseMs: 60_000, limit: 100 });
      expect([...claimed, ...rest.map((x) => x.id)].sort((a, b) => a - b)).toEqual(made);
    } finally {
      await other.close();
      await s.close();
    }
  });

  it('the tool key: made once in the store, the same for servers starting at once, kept across restarts', async () => {
    const s = await fresh(engine);
    const other = await s.again();
    try {
      const stateA = mkdtempSync(join(tmpdir(), 'drillbook-key-a-'));
      const stateB = mkdtempSync(join(tmpdir(), 'drillbook-key-b-'));
      const [a, b] = await Promise.all([loadOrCreateToolKey(s.lti, stateA), loadOrCreateToolKey(other.lti, stateB)]);
      expect(b.kid).toBe(a.kid);
      expect(b.publicJwk).toEqual(a.publicJwk);
      expect(a.publicJwk).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: a.kid });
      expect(a.publicJwk.d).toBeUndefined();
      expect(existsSync(join(stateA, LEGACY_KEY_FILE))).toBe(false);
      // What one signs, the other's public key verifies.
      const jwt = await new SignJWT({ x: 1 }).setProtectedHeader({ alg: TOOL_ALG, kid: a.kid }).sign(a.privateKey);
      expect((await jwtVerify(jwt, await importJWK(b.publicJwk, TOOL_ALG))).payload).toMatchObject({ x: 1 });
      const restarted = await s.again();
      expect((await loadOrCreateToolKey(restarted.lti, stateA)).kid).toBe(a.kid);
      await restarted.close();
    } finally {
      await other.close();
      await s.close();
    }
  });

  it("the tool key: a server's old STATE_DIR/lti-key.json is moved into a store that has none, keeping its kid", async () => {
    const s = await fresh(engine);
    try {
      const state = mkdtempSync(join(tmpdir(), 'drillbook-key-old-'));
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      const old = { ...(await exportJWK(privateKey)), kid: 'kid-from-the-old-file', alg: 'RS256', use: 'sig' };
      writeFileSync(join(state, LEGACY_KEY_FILE), JSON.stringify(old), { mode: 0o600 });
      const lines: string[] = [];
      const k = await loadOrCreateToolKey(s.lti, state, (l) => lines.push(l));
      expect(k.kid).toBe('kid-from-the-old-file');
      expect(lines).toEqual([
        `LTI tool key kid-from-the-old-file: moved from ${join(state, LEGACY_KEY_FILE)} into the results store (the file is no longer read)`,
      ]);
      // Another server with a key file of its own adopts the store's key.
      const state2 = mkdtempSync(join(tmpdir(), 'drillbook-key-old2-'));
      writeFileSync(join(state2, LEGACY_KEY_FILE), JSON.stringify({ ...old, kid: 'another-servers-kid' }), { mode: 0o600 });
      expect((await loadOrCreateToolKey(s.lti, state2)).kid).toBe('kid-from-the-old-file');
      // A broken key file is an error naming it, not a silent new key.
      const bad = await fresh(engine);
      writeFileSync(join(state2, LEGACY_KEY_FILE), '{"kty":"RSA"}');
      await expect(loadOrCreateToolKey(bad.lti, state2)).rejects.toThrow(
        `${join(state2, LEGACY_KEY_FILE)} (remove it to make a new key) is not an LTI tool key (no kid or private part)`,
      );
      await bad.close();
    } finally {
      await s.close();
    }
  });
});
