/**
 * A small LTI 1.3 platform (an LMS as far as Drillbook can tell) for tests,
 * on 127.0.0.1: its own signing key and JWKS, the OIDC authorisation
 * endpoint (answers with the auto-posting launch form, as Moodle and Canvas
 * do), the OAuth 2 token endpoint (checks our client assertion against the
 * tool's JWKS), the deep linking return endpoint (checks our signed answer,
 * makes resource links and line items) and the AGS scores endpoint of each
 * line item. `down` makes the token and score endpoints answer 503.
 *
 * Each launch is prepared by login hint (who launches, from which link);
 * `tamper` breaks one thing in the id_token, for the rejection tests.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';

const LTI = 'https://purl.imsglobal.org/spec/lti/claim/';
export const ROLE_INSTRUCTOR = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor';
export const ROLE_LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';
export const SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';

export interface LaunchSpec {
  sub: string;
  roles: string[];
  messageType?: string;
  name?: string;
  email?: string;
  sourcedid?: string;
  context?: { id: string; title: string };
  /** A resource link made by deep linking (its id, custom parameters and line item). */
  link?: PlacedLink;
  documentTarget?: 'window' | 'iframe';
  /** Custom parameters of the registration (Canvas: the developer key's custom fields), merged with the link's. */
  custom?: Record<string, string>;
  tamper?: {
    rogueKey?: boolean;
    aud?: string | string[];
    /** An azp claim (authorised party); none unless set. */
    azp?: string;
    expired?: boolean;
    /** Seconds added to iat (and exp): a token "issued" in the future. */
    iatAheadS?: number;
    /** The LTI version claim instead of 1.3.0. */
    version?: string;
    /** The token's iss instead of this platform's issuer. */
    iss?: string;
    deployment?: string;
    messageType?: string;
  };
}

export interface PlacedLink {
  id: string;
  title: string;
  custom: Record<string, string>;
  lineitem?: string;
}

export interface ReceivedScore {
  lineitem: string;
  userId: string;
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
}

export class PlatformSim {
  readonly clientId = 'drillbook-test-client';
  readonly deploymentId = 'deployment-1';
  origin = '';
  down = false;
  /** Resource links made from deep linking responses, in order. */
  readonly placed: PlacedLink[] = [];
  readonly lineItems = new Map<string, { label: string; scoreMaximum: number; resourceId: string }>();
  readonly scores: ReceivedScore[] = [];
  /** Requests refused while down (token or scores). */
  refused = 0;
  /** How long a score request takes to answer (widens the window in which two senders could overlap). */
  scoreDelayMs = 0;
  /** Score requests that arrived while another for the same (line item, user) was still being answered. */
  overlaps = 0;
  private inFlight = new Set<string>();
  /** The last id_token the auth endpoint issued (replay tests). */
  lastIdToken = '';
  private server!: Server;
  private key!: { privateKey: CryptoKey; jwk: JWK };
  private rogue!: CryptoKey;
  private launches = new Map<string, LaunchSpec>();
  private tokens = new Set<string>();
  private toolJwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  get issuer(): string {
    return this.origin;
  }

  /** The registration the tool is given for this platform. */
  registration(): Record<string, unknown> {
    return {
      name: 'Test LMS',
      issuer: this.issuer,
      clientId: this.clientId,
      deploymentIds: [this.deploymentId],
      authUrl: `${this.origin}/auth`,
      tokenUrl: `${this.origin}/token`,
      jwksUrl: `${this.origin}/jwks`,
    };
  }

  async start(): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = await exportJWK(publicKey);
    jwk.kid = 'platform-key-1';
    jwk.alg = 'RS256';
    jwk.use = 'sig';
    this.key = { privateKey, jwk };
    // Signs with the platform's kid but another key: a forged token.
    this.rogue = (await generateKeyPair('RS256')).privateKey;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      });
    });
    await new Promise<void>((ok) => this.server.listen(0, '127.0.0.1', ok));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Where the tool publishes its keys (to check its client assertions and deep linking answers). */
  trustTool(jwksUrl: string): void {
    this.toolJwks = createRemoteJWKSet(new URL(jwksUrl));
  }

  /** Forgets every access token it gave (as after a key rotation): the next score with an old one gets 401. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  prepare(loginHint: string, spec: LaunchSpec): void {
    this.launches.set(loginHint, spec);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private async body(req: IncomingMessage): Promise<string> {
    const parts: Buffer[] = [];
    for await (const c of req) parts.push(c as Buffer);
    return Buffer.concat(parts).toString('utf8');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method === 'GET' && url.pathname === '/jwks') return send(200, 'application/json', JSON.stringify({ keys: [this.key.jwk] }));
    if (req.method === 'GET' && url.pathname === '/auth') return this.auth(url, send);
    // A course page of the LMS that shows the tool in a frame (as Canvas does by default).
    if (req.method === 'GET' && url.pathname === '/frame') {
      const src = (url.searchParams.get('src') ?? '').replace(/"/g, '&quot;');
      return send(
        200,
        'text/html; charset=utf-8',
        `<!doctype html><title>Course</title><h1>Course</h1><iframe src="${src}" width="800" height="600"></iframe>`,
      );
    }
    if (req.method === 'POST' && url.pathname === '/token') {
      if (this.down) {
        this.refused++;
        return send(503, 'application/json', '{"error":"temporarily_unavailable"}');
      }
      const form = new URLSearchParams(await this.body(req));
      if (form.get('grant_type') !== 'client_credentials') return send(400, 'application/json', '{"error":"unsupported_grant_type"}');
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
        return send(400, 'application/json', '{"error":"invalid_request"}');
      try {
        await jwtVerify(form.get('client_assertion') ?? '', this.toolJwks!, {
          issuer: this.clientId,
          subject: this.clientId,
          audience: `${this.origin}/token`,
          requiredClaims: ['jti', 'exp', 'iat'],
        });
      } catch (e) {
        return send(401, 'application/json', JSON.stringify({ error: 'invalid_client', detail: (e as Error).message }));
      }
      if (!(form.get('scope') ?? '').split(' ').includes(SCORE_SCOPE)) return send(400, 'application/json', '{"error":"invalid_scope"}');
      const token = randomBytes(16).toString('hex');
      this.tokens.add(token);
      return send(
        200,
        'application/json',
        JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600, scope: SCORE_SCOPE }),
      );
    }
    const m = /^\/lineitems\/([^/]+)\/scores$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      if (this.down) {
        this.refused++;
        return send(503, 'text/plain', 'down for maintenance');
      }
      const auth = String(req.headers.authorization ?? '');
      if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) return send(401, 'text/plain', 'bad token');
      if (req.headers['content-type'] !== 'application/vnd.ims.lis.v1.score+json') return send(415, 'text/plain', 'wrong media type');
      const lineitem = `${this.origin}/lineitems/${m[1]}`;
      if (!this.lineItems.has(m[1]!)) return send(404, 'text/plain', 'no such line item');
      const b = JSON.parse(await this.body(req)) as Omit<ReceivedScore, 'lineitem'>;
      const pair = `${lineitem} ${b.userId}`;
      if (this.inFlight.has(pair)) this.overlaps++;
      this.inFlight.add(pair);
      this.scores.push({ lineitem, ...b });
      if (this.scoreDelayMs) await new Promise((r) => setTimeout(r, this.scoreDelayMs));
      this.inFlight.delete(pair);
      return send(200, 'application/json', '{}');
    }
    if (req.method === 'POST' && url.pathname === '/deep-link-return') {
      const form = new URLSearchParams(await this.body(req));
      const { payload } = await jwtVerify(form.get('JWT') ?? '', this.toolJwks!, { issuer: this.clientId, audience: this.issuer });
      if (payload[`${LTI}message_type`] !== 'LtiDeepLinkingResponse') return send(400, 'text/plain', 'not a deep linking response');
      if (payload[`${LTI}deployment_id`] !== this.deploymentId) return send(400, 'text/plain', 'wrong deployment');
      const items = payload['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as {
        type: string;
        title: string;
        url: string;
        custom: Record<string, string>;
        lineItem?: { scoreMaximum: number; label: string; resourceId: string };
      }[];
      for (const it of items) {
        const id = `rl-${this.placed.length + 1}`;
        let lineitem: string | undefined;
        if (it.lineItem) {
          const li = `li-${this.lineItems.size + 1}`;
          this.lineItems.set(li, it.lineItem);
          lineitem = `${this.origin}/lineitems/${li}`;
        }
        this.placed.push({ id, title: it.title, custom: it.custom, ...(lineitem ? { lineitem } : {}) });
      }
      return send(200, 'text/html', `<p>placed ${items.length}</p>`);
    }
    send(404, 'text/plain', 'not found');
  }

  private async auth(url: URL, send: (s: number, t: string, b: string) => void): Promise<void> {
    const q = url.searchParams;
    const hint = q.get('login_hint') ?? '';
    const spec = this.launches.get(hint);
    const problems = [
      q.get('scope') !== 'openid' && 'scope',
      q.get('response_type') !== 'id_token' && 'response_type',
      q.get('response_mode') !== 'form_post' && 'response_mode',
      q.get('prompt') !== 'none' && 'prompt',
      q.get('client_id') !== this.clientId && 'client_id',
      !q.get('redirect_uri') && 'redirect_uri',
      !q.get('state') && 'state',
      !q.get('nonce') && 'nonce',
      !spec && 'login_hint',
    ].filter(Boolean);
    if (problems.length) return send(400, 'text/plain', `bad authorisation request: ${problems.join(', ')}`);
    const s = spec!;
    const t = s.tamper ?? {};
    const type = t.messageType ?? s.messageType ?? 'LtiResourceLinkRequest';
    const claims: Record<string, unknown> = {
      nonce: q.get('nonce'),
      [`${LTI}message_type`]: type,
      [`${LTI}version`]: t.version ?? '1.3.0',
      [`${LTI}deployment_id`]: t.deployment ?? this.deploymentId,
      [`${LTI}target_link_uri`]: q.get('redirect_uri'),
      [`${LTI}roles`]: s.roles,
      [`${LTI}context`]: s.context ?? { id: 'course-1', title: 'Backup and Recovery 101', label: 'BR101' },
      [`${LTI}launch_presentation`]: { document_target: s.documentTarget ?? 'window' },
    };
    if (s.name) claims['name'] = s.name;
    if (s.email) claims['email'] = s.email;
    if (s.sourcedid) claims[`${LTI}lis`] = { person_sourcedid: s.sourcedid };
    if (s.custom) claims[`${LTI}custom`] = s.custom;
    if (s.link) {
      claims[`${LTI}resource_link`] = { id: s.link.id, title: s.link.title };
      claims[`${LTI}custom`] = { ...s.custom, ...s.link.custom };
      if (s.link.lineitem)
        claims['https://purl.imsglobal.org/spec/lti-ags/claim/endpoint'] = {
          scope: [SCORE_SCOPE, 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly'],
          lineitem: s.link.lineitem,
          lineitems: `${this.origin}/lineitems`,
        };
    }
    if (type === 'LtiDeepLinkingRequest')
      claims['https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings'] = {
        deep_link_return_url: `${this.origin}/deep-link-return`,
        accept_types: ['ltiResourceLink'],
        accept_presentation_document_targets: ['iframe', 'window'],
        accept_multiple: true,
        data: 'opaque-platform-data',
      };
    if (t.azp !== undefined) claims['azp'] = t.azp;
    const now = Math.floor(Date.now() / 1000) + (t.iatAheadS ?? 0);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'platform-key-1', typ: 'JWT' })
      .setIssuer(t.iss ?? this.issuer)
      .setSubject(s.sub)
      .setAudience(t.aud ?? this.clientId)
      .setIssuedAt(t.expired ? now - 3600 : now)
      .setExpirationTime(t.expired ? now - 3000 : now + 300);
    const idToken = await jwt.sign(t.rogueKey ? this.rogue : this.key.privateKey);
    this.lastIdToken = idToken;
    const esc = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    send(
      200,
      'text/html; charset=utf-8',
      `<!doctype html><title>Launching</title><form method="post" action="${esc(q.get('redirect_uri')!)}">` +
        `<input type="hidden" name="id_token" value="${esc(idToken)}"><input type="hidden" name="state" value="${esc(q.get('state')!)}"></form>` +
        `<script>document.forms[0].submit()</script>`,
    );
  }
}

/** A browser as far as the flows need one: a cookie jar, forms posted with an Origin, no redirect followed by itself. */
export class Browser {
  private jar = new Map<string, string>();

  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }

  cookie(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  has(name: string): boolean {
    return this.jar.has(name);
  }

  async get(url: string): Promise<Response> {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: this.cookie() } });
    this.remember(res);
    return res;
  }

  async post(url: string, fields: Record<string, string | string[]>, origin: string): Promise<Response> {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of ([] as string[]).concat(v)) body.append(k, x);
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookie(), origin, 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
    this.remember(res);
    return res;
  }

  async postJson(url: string, body: unknown, origin: string): Promise<Response> {
    const res = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookie(), origin, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    this.remember(res);
    return res;
  }
}

/** The fields and action of the first form of a page. */
export function formOf(html: string): { action: string; fields: Record<string, string> } {
  const unesc = (v: string) =>
    v
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  const action = /<form[^>]*action="([^"]*)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form in: ${html.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[m[1]!] = unesc(m[2]!);
  return { action: unesc(action), fields };
}
