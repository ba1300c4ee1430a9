/**
 * Assignment and Grade Services: scores to the platforms.
 *
 * - Access tokens by OAuth 2 client credentials with a JWT client assertion
 *   signed by the tool key (RFC 7523, as LTI Security says), cached per
 *   platform until shortly before they expire.
 * - The queue is the store's `lti_scores`: a score is committed there before
 *   anything is sent, so a restart or a platform that is down loses nothing.
 *   The sender takes, for each (line item, user), the oldest queued score
 *   only, so scores of one pair go in the order they were made, one at a
 *   time; a score is marked sent once the platform answered 2xx, and is not
 *   sent again. A failure (network, 5xx, 401, 408, 429) is retried with a
 *   growing delay (base × 2^attempts, at most `maxBackoffMs`); another 4xx is
 *   the platform refusing that score for good: it is kept as `rejected` with
 *   the platform's answer, and the pair's next score may go.
 *
 * Several servers on one store each run a sender. A sender claims the scores
 * it sends (`LtiStore.claim`: one UPDATE, a lease of `leaseMs`), so no score
 * is sent by two servers, and a pair's next score cannot be claimed while its
 * earlier one is in flight. A claim is only used while a whole send (token
 * and score, each bounded by SEND_TIMEOUT_MS) still fits in its lease; the
 * rest are given back. A server that dies holding claims delays those scores
 * until their lease runs out; then another server sends them.
 *
 * Delivery is at least once across a crash: if the server dies after the
 * platform accepted a score and before the store marked it sent, that one
 * score is sent again after the restart or by another server (with its
 * original timestamp, which AGS platforms treat as the same result, not a
 * newer one).
 */
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { LtiStore, QueuedScore } from '../store/lti.ts';
import { AGS_SCORE_SCOPE } from './claims.ts';
import { TOOL_ALG, type ToolKey } from './keys.ts';
import type { Platform, Registrations } from './registrations.ts';

/** Each request to a platform (token, score) is given up after this long. */
export const SEND_TIMEOUT_MS = 15_000;

export interface AgsOptions {
  /** How long a claim on a score lasts (see LtiStore.claim); at least a whole send (2 × SEND_TIMEOUT_MS) and a margin. */
  leaseMs?: number;
  /** Scores claimed at once. */
  batch?: number;
  /** First retry delay; doubles with each failure. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** How often due retries are looked for. */
  tickMs?: number;
  log?: (line: string) => void;
  fetch?: typeof globalThis.fetch;
}

type Outcome = { ok: true } | { ok: false; retry: boolean; error: string };

/** The scores URL of a line item: its path + "/scores", its query kept (Moodle puts the type id there). */
export function scoresUrl(lineitem: string): string {
  const u = new URL(lineitem);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/scores`;
  return u.toString();
}

export class AgsSender {
  private tokens = new Map<string, { token: string; until: number }>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private o: Required<Omit<AgsOptions, 'log'>> & { log: (line: string) => void };
  private store: LtiStore;
  private regs: Registrations;
  private key: ToolKey;
  /** This sender's name on its claims (one per server process). */
  readonly owner = `sender-${randomBytes(9).toString('base64url')}`;

  constructor(store: LtiStore, regs: Registrations, key: ToolKey, opts: AgsOptions = {}) {
    this.store = store;
    this.regs = regs;
    this.key = key;
    this.o = {
      backoffMs: 5_000,
      maxBackoffMs: 10 * 60_000,
      tickMs: 1_000,
      leaseMs: 2 * 60_000,
      batch: 8,
      log: () => {},
      fetch: globalThis.fetch,
      ...opts,
    };
    if (this.o.leaseMs < 2 * SEND_TIMEOUT_MS + 10_000)
      throw new Error(`the AGS lease (${this.o.leaseMs} ms) must outlast a whole send: at least ${2 * SEND_TIMEOUT_MS + 10_000} ms`);
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.o.tickMs);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Sends what is due now (one run at a time; a kick during a run makes it look again). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch((e: unknown) => this.o.log(`lti scores: ${(e as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Resolves once nothing queued is due (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    // A send started no later than this before its lease ends finishes (or times out) within it.
    const budget = 2 * SEND_TIMEOUT_MS + 5_000;
    for (;;) {
      const claimed = await this.store.claim(this.owner, { leaseMs: this.o.leaseMs, limit: this.o.batch });
      if (claimed.length === 0) return;
      let progress = false;
      for (const s of claimed) {
        if (Date.now() + budget > Date.parse(s.leaseUntil!)) {
          await this.store.release(s.id, this.owner);
          progress = true;
          continue;
        }
        const r = await this.send(s);
        const attempts = s.attempts + 1;
        if (r.ok) {
          await this.store.markSent(s.id);
          progress = true;
        } else if (r.retry) {
          const wait = Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** (attempts - 1));
          await this.store.markRetry(s.id, this.owner, attempts, new Date(Date.now() + wait).toISOString(), r.error);
          this.o.log(`lti score ${s.id} for ${s.userId}: ${r.error}; trying again in ${Math.round(wait / 1000)} s`);
        } else {
          await this.store.markRejected(s.id, this.owner, attempts, r.error);
          this.o.log(`lti score ${s.id} for ${s.userId} refused by the platform for good: ${r.error}`);
          progress = true;
        }
      }
      // After a success the pair's next score (if any) is due now; otherwise wait for the timer.
      if (!progress) return;
    }
  }

  private async accessToken(p: Platform): Promise<string> {
    const k = `${p.issuer}\u0000${p.clientId}`;
    const kept = this.tokens.get(k);
    if (kept && kept.until > Date.now()) return kept.token;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: TOOL_ALG, kid: this.key.kid, typ: 'JWT' })
      .setIssuer(p.clientId)
      .setSubject(p.clientId)
      .setAudience(p.tokenAudience ?? p.tokenUrl)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.key.privateKey);
    const res = await this.o.fetch(p.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: AGS_SCORE_SCOPE,
      }),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!res.ok || typeof body.access_token !== 'string')
      throw new TokenError(
        `the token endpoint ${p.tokenUrl} answered ${res.status}${body.error ? ` (${String(body.error)})` : ''}`,
        res.status,
      );
    const life = typeof body.expires_in === 'number' ? body.expires_in : 3600;
    this.tokens.set(k, { token: body.access_token, until: Date.now() + Math.max(0, life - 60) * 1000 });
    return body.access_token;
  }

  private async send(s: QueuedScore): Promise<Outcome> {
    const p = this.regs.find(s.issuer, s.clientId);
    if (!p) return { ok: false, retry: true, error: `the platform ${s.issuer} (client ${s.clientId}) is no longer registered` };
    try {
      const token = await this.accessToken(p);
      const res = await this.o.fetch(scoresUrl(s.lineitem), {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.ims.lis.v1.score+json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          userId: s.userId,
          scoreGiven: s.scoreGiven,
          scoreMaximum: s.scoreMaximum,
          activityProgress: s.activityProgress,
          gradingProgress: s.gradingProgress,
          timestamp: s.timestamp,
        }),
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      if (res.ok) return { ok: true };
      const detail = (await res.text().catch(() => '')).slice(0, 200);
      if (res.status === 401) this.tokens.delete(`${p.issuer}\u0000${p.clientId}`);
      const retry = res.status === 401 || res.status === 408 || res.status === 429 || res.status >= 500;
      return { ok: false, retry, error: `the platform answered ${res.status}${detail ? `: ${detail}` : ''}` };
    } catch (e) {
      // A token endpoint that refuses our assertion (400 invalid_client) may be fixed by the operator
      // (a registration corrected, our JWKS URL entered): the score waits, retried ever more slowly.
      if (e instanceof TokenError) return { ok: false, retry: true, error: e.message };
      return { ok: false, retry: true, error: `the platform could not be reached (${(e as Error).message})` };
    }
  }
}

class TokenError extends Error {
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}
