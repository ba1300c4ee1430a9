/**
 * Drillbook as an LTI 1.3 tool: what the /lti routes do, apart from HTTP.
 *
 *   login()     OIDC third-party login initiation → the platform's auth URL, with a state and a nonce
 *   launch()    the id_token validated in full (verify.ts), the state bound to this browser, the
 *               nonce used once; then the LMS user becomes a learner (their identity recorded), the
 *               LMS course its workshop (made on an instructor's first launch), learners members;
 *               a resource link records its placement and line item. Answers a one-time hand-off
 *               into the site (or, for deep linking, the picker).
 *   deepLink()  the instructor's choice → a signed LtiDeepLinkingResponse, one resource link with a
 *               line item per lesson, quiz or lab picked
 *   resultsChanged()  after a quiz answer or a lab attempt is committed: the learner's score in each
 *               placement it counts for, queued for the platform (ags.ts sends it)
 *
 * Every refusal is an LtiRefusal, thrown before anything is written.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Store } from '../store/index.ts';
import type { LtiUser } from '../store/lti.ts';
import { isOver, LMS_COURSE_PREFIX } from '../store/workshops.ts';
import { WorkshopError, type WorkshopService } from '../workshops/service.ts';
import { AgsSender, type AgsOptions } from './ags.ts';
import { AGS_ENDPOINT, AGS_SCORE_SCOPE, DL_CONTENT_ITEMS, DL_DATA, DL_SETTINGS, isInstructor, LTI, type LaunchClaims } from './claims.ts';
import { TOOL_ALG, type ToolKey } from './keys.ts';
import type { Platform, Registrations } from './registrations.ts';
import {
  knownTarget,
  maximumOf,
  parseTarget,
  scoreOf,
  showTarget,
  targetBlocks,
  targetPath,
  targetTitle,
  type ScorePolicy,
  type Target,
} from './scores.ts';
import { LtiRefusal, MAX_TOKEN_AGE_S, PlatformKeys, verifyLaunch } from './verify.ts';

/** The custom parameter our deep-linked resource links carry: what they open. */
export const TARGET_PARAM = 'drillbook_target';
/** Seats of a workshop made for an LMS course (every enrolled learner may launch). */
export const LTI_SEATS = 1000;
const HANDOFF_MS = 2 * 60_000;
const DEEP_LINK_MS = 30 * 60_000;

export interface LtiServiceOptions {
  store: Store;
  workshops: WorkshopService;
  registrations: Registrations;
  key: ToolKey;
  /** The tool's public origin (https://drillbook.example.edu), no trailing slash. */
  publicOrigin: string;
  scorePolicy?: ScorePolicy;
  ags?: AgsOptions;
  log?: (line: string) => void;
}

export interface LoginParams {
  iss?: string | undefined;
  login_hint?: string | undefined;
  target_link_uri?: string | undefined;
  lti_message_hint?: string | undefined;
  client_id?: string | undefined;
  lti_deployment_id?: string | undefined;
}

/** Where a successful launch goes. */
export type LaunchResult =
  | {
      kind: 'open';
      platform: Platform;
      handoff: string;
      title: string;
      newWindow: boolean;
      /** The secret for the browser binding cookie (null when the link opens in another window). */
      browser: string | null;
    }
  | { kind: 'pick'; platform: Platform; session: string; courseTitle: string };

export interface DeepLinkResult {
  platform: Platform;
  returnUrl: string;
  jwt: string;
  titles: string[];
}

/** A learner's display name from the LMS: 1-40 characters, no control characters. */
export function displayName(c: LaunchClaims): string {
  const raw = c.name?.trim() || [c.given_name, c.family_name].filter(Boolean).join(' ').trim() || c.email?.split('@')[0] || 'Learner';
  const clean = raw
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return [...(clean || 'Learner')].slice(0, 40).join('');
}

/** The instructor account of an LMS course: every instructor of that course signs in as it, and sees its workshop. */
export function courseInstructor(issuer: string, deployment: string, context: string): string {
  return `${LMS_COURSE_PREFIX}${createHash('sha256').update(`${issuer}\u0000${deployment}\u0000${context}`).digest('hex').slice(0, 20)}`;
}

export class LtiService {
  readonly registrations: Registrations;
  readonly key: ToolKey;
  readonly sender: AgsSender;
  private o: LtiServiceOptions & { scorePolicy: ScorePolicy; log: (line: string) => void };
  private keys = new PlatformKeys();
  /** Score work per learner, one after another, so their scores are queued in the order results came. */
  private chains = new Map<string, Promise<void>>();
  private pruner: NodeJS.Timeout | undefined;
  /** LMS courses whose workshop is being made now (by context). */
  private making = new Map<string, Promise<string>>();

  constructor(opts: LtiServiceOptions) {
    this.o = { scorePolicy: 'first', log: () => {}, ...opts };
    this.registrations = opts.registrations;
    this.key = opts.key;
    this.sender = new AgsSender(opts.store.lti, opts.registrations, opts.key, { log: this.o.log, ...opts.ags });
    opts.workshops.onResults((learner, blocks) => this.resultsChanged(learner, blocks));
  }

  get launchUrl(): string {
    return `${this.o.publicOrigin}/lti/launch`;
  }

  start(): void {
    this.sender.start();
    this.pruner = setInterval(() => void this.o.store.lti.prune(2 * MAX_TOKEN_AGE_S * 1000).catch(() => {}), 10 * 60_000);
    this.pruner.unref();
  }

  async stop(): Promise<void> {
    if (this.pruner) clearInterval(this.pruner);
    await Promise.all(this.chains.values());
    await this.sender.stop();
  }

  /** Waits until the scores of results so far are queued and the sender has nothing due (tests). */
  async settled(): Promise<void> {
    await Promise.all(this.chains.values());
    await this.sender.idle();
  }

  // --- login and launch ----------------------------------------------------------------------

  /** OIDC login initiation: the URL to send the browser to, and the state to bind to it (a cookie). */
  async login(q: LoginParams): Promise<{ redirect: string; state: string }> {
    if (!q.iss) throw new LtiRefusal('LtiLoginInvalid', 'the parameter iss (the platform) is missing');
    if (!q.login_hint) throw new LtiRefusal('LtiLoginInvalid', 'the parameter login_hint is missing');
    if (!q.target_link_uri) throw new LtiRefusal('LtiLoginInvalid', 'the parameter target_link_uri is missing');
    const p = this.registrations.find(q.iss, q.client_id);
    if (!p) throw new LtiRefusal('LtiUnknownPlatform', q.iss);
    if (q.lti_deployment_id !== undefined && !p.deploymentIds.includes(q.lti_deployment_id))
      throw new LtiRefusal('LtiUnknownDeployment', q.lti_deployment_id, p.name);
    const { state, nonce } = await this.o.store.lti.createLogin(p.issuer, p.clientId);
    const u = new URL(p.authUrl);
    const params: Record<string, string> = {
      scope: 'openid',
      response_type: 'id_token',
      response_mode: 'form_post',
      prompt: 'none',
      client_id: p.clientId,
      redirect_uri: this.launchUrl,
      login_hint: q.login_hint,
      state,
      nonce,
    };
    if (q.lti_message_hint) params['lti_message_hint'] = q.lti_message_hint;
    for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
    return { redirect: u.toString(), state };
  }

  /**
   * A launch: `idToken` and `state` from the platform's form post, `cookieState` from this browser
   * (set by login()). Refused with an LtiRefusal, before anything is recorded, unless all holds.
   */
  async launch(idToken: string | undefined, state: string | undefined, cookieState: string | undefined): Promise<LaunchResult> {
    if (!idToken) throw new LtiRefusal('LtiBadToken', 'the form has no id_token');
    if (!state) throw new LtiRefusal('LtiStateMismatch', 'the form has no state');
    const login = await this.o.store.lti.login(state);
    if (!login) throw new LtiRefusal('LtiStateMismatch', 'the state was not issued by this server');
    if (cookieState !== state)
      throw new LtiRefusal(
        'LtiStateMismatch',
        cookieState ? 'the state is not the one this browser was given' : 'this browser sent no state cookie',
      );
    const p = this.registrations.find(login.issuer, login.clientId);
    if (!p) throw new LtiRefusal('LtiUnknownPlatform', login.issuer);
    const c = await verifyLaunch(idToken, p, this.keys);
    if (login.usedAt !== null || (await this.o.store.lti.nonceSeen(p.issuer, c.nonce))) throw new LtiRefusal('LtiNonceReplayed');
    if (c.nonce !== login.nonce) throw new LtiRefusal('LtiStateMismatch', "the token's nonce is not the one this sign-in asked for");
    if (Date.now() - Date.parse(login.createdAt) > MAX_TOKEN_AGE_S * 1000)
      throw new LtiRefusal('LtiStateMismatch', `the sign-in started more than ${MAX_TOKEN_AGE_S / 60} minutes ago`);

    const type = c[`${LTI}message_type`];
    const roles = c[`${LTI}roles`];
    const instructor = isInstructor(roles);
    const context = c[`${LTI}context`];
    const deployment = c[`${LTI}deployment_id`];
    if (!context) throw new LtiRefusal('LtiBadToken', 'it has no context claim (Drillbook maps the LMS course to a workshop)');
    const courseTitle = context.title || context.label || context.id;
    const dl = c[DL_SETTINGS];
    if (type === 'LtiDeepLinkingRequest') {
      if (!instructor) throw new LtiRefusal('LtiInstructorsOnly');
      if (!dl) throw new LtiRefusal('LtiBadToken', 'a deep linking request without deep_linking_settings');
      if (!/^https?:\/\//.test(dl.deep_link_return_url) || !URL.canParse(dl.deep_link_return_url))
        throw new LtiRefusal(
          'LtiBadToken',
          `its deep_link_return_url ${JSON.stringify(dl.deep_link_return_url.slice(0, 200))} is not an http(s) URL`,
        );
      if (!dl.accept_types.includes('ltiResourceLink'))
        throw new LtiRefusal('LtiBadToken', 'the platform does not accept resource links (ltiResourceLink) in this deep linking request');
    }
    let target: Target | null = null;
    const custom = c[`${LTI}custom`] ?? {};
    const rawTarget = custom[TARGET_PARAM];
    if (type === 'LtiResourceLinkRequest' && typeof rawTarget === 'string' && rawTarget !== '') {
      target = parseTarget(rawTarget);
      if (!target || !knownTarget(this.o.workshops.outline, target)) throw new LtiRefusal('LtiUnknownTarget', rawTarget);
    }
    let workshop = await this.o.store.lti.contextWorkshop(p.issuer, deployment, context.id);
    if (!workshop && !instructor) throw new LtiRefusal('LtiCourseNotReady', courseTitle);

    // Everything checked: from here on the launch is recorded. The state and nonce go first, in
    // one transaction, so that two copies of one launch arriving together cannot both pass.
    if (!(await this.o.store.lti.consume(state, p.issuer, c.nonce))) throw new LtiRefusal('LtiNonceReplayed');

    const known = await this.o.store.lti.user(p.issuer, c.sub);
    const user: LtiUser = {
      issuer: p.issuer,
      subject: c.sub,
      learner: known?.learner ?? randomBytes(16).toString('hex'),
      name: c.name ?? ([c.given_name, c.family_name].filter(Boolean).join(' ') || null),
      email: c.email ?? null,
      sourcedid: c[`${LTI}lis`]?.person_sourcedid ?? null,
      custom,
    };
    await this.o.store.lti.putUser(user);
    const teacher = instructor ? courseInstructor(p.issuer, deployment, context.id) : null;
    workshop ??= await this.courseWorkshop(p, deployment, context.id, courseTitle, teacher!);
    if (!instructor) await this.joinAs(workshop, user.learner, displayName(c));

    if (type === 'LtiDeepLinkingRequest') {
      const session = await this.o.store.lti.createDeepLink(
        {
          issuer: p.issuer,
          clientId: p.clientId,
          deploymentId: deployment,
          returnUrl: dl!.deep_link_return_url,
          data: dl!.data ?? null,
          workshop,
        },
        DEEP_LINK_MS,
      );
      return { kind: 'pick', platform: p, session, courseTitle };
    }

    const link = c[`${LTI}resource_link`];
    const ags = c[AGS_ENDPOINT];
    if (link && target) {
      const lineitem = ags?.lineitem && ags.scope.includes(AGS_SCORE_SCOPE) ? ags.lineitem : null;
      await this.o.store.lti.putPlacement({
        issuer: p.issuer,
        clientId: p.clientId,
        deploymentId: deployment,
        resourceLinkId: link.id,
        workshop,
        target: showTarget(target),
        lineitem,
      });
    }
    const route = target
      ? targetPath(this.o.workshops.outline, target)
      : instructor
        ? `/instructor/workshop/?id=${encodeURIComponent(workshop)}`
        : '/';
    const doc = c[`${LTI}launch_presentation`]?.document_target;
    // Shown inside the LMS's frame, the link opens a new window, where no cookie of the frame is
    // seen; in a window of its own, the link is bound to this browser by a cookie set with it.
    const newWindow = doc === 'iframe' || doc === 'frame' || doc === 'embed';
    const browser = newWindow ? null : randomBytes(18).toString('base64url');
    const handoff = await this.o.store.lti.createHandoff(user.learner, teacher, route, HANDOFF_MS, browser);
    // A learner who already worked on what this link places (before it was placed) gets their score now.
    if (target && !instructor)
      this.resultsChanged(
        user.learner,
        targetBlocks(this.o.workshops.outline, target).map((b) => b.id),
      );
    return {
      kind: 'open',
      platform: p,
      handoff,
      title: target ? targetTitle(this.o.workshops.outline, target) : courseTitle,
      newWindow,
      browser,
    };
  }

  /** The workshop of an LMS course, made on its first instructor launch (two at once make one). */
  private courseWorkshop(p: Platform, deployment: string, contextId: string, title: string, teacher: string): Promise<string> {
    const key = `${p.issuer}\u0000${deployment}\u0000${contextId}`;
    let made = this.making.get(key);
    if (!made) {
      made = (async () => {
        const had = await this.o.store.lti.contextWorkshop(p.issuer, deployment, contextId);
        if (had) return had;
        const w = await this.o.workshops.create(teacher, { title: title.slice(0, 80), seats: LTI_SEATS, lessons: [] });
        await this.o.store.lti.addContext(p.issuer, deployment, contextId, w.workshop.id, title);
        this.o.log(`lti: ${p.name} course "${title}" → workshop ${w.workshop.id}`);
        return w.workshop.id;
      })();
      this.making.set(key, made);
      void made.finally(() => this.making.delete(key)).catch(() => {});
    }
    return made;
  }

  /** Joins the course's workshop under the LMS name, "Name (2)" when another learner has it. */
  private async joinAs(workshop: string, learner: string, name: string): Promise<void> {
    const w = await this.o.store.workshops.byId(workshop);
    if (!w) throw new Error(`workshop ${workshop} of an LMS course is missing`);
    const member = await this.o.store.workshops.member(workshop, learner);
    if (member) {
      // Coming back: this course becomes their current workshop again (results are recorded with it),
      // under the name they have; an ended course lets them in self-paced.
      if (!isOver(w)) await this.o.workshops.join(w.code, learner, member.name);
      return;
    }
    for (let n = 1; n <= 50; n++) {
      const suffix = n === 1 ? '' : ` (${n})`;
      const shown = [...name].slice(0, 40 - suffix.length).join('') + suffix;
      try {
        await this.o.workshops.join(w.code, learner, shown);
        return;
      } catch (e) {
        if (!(e instanceof WorkshopError && e.kind === 'NameTaken')) throw e;
      }
    }
    throw new WorkshopError('NameTaken', name);
  }

  useHandoff(
    token: string,
    browser: string | undefined,
  ): Promise<{ learner: string; instructor: string | null; route: string } | undefined> {
    return this.o.store.lti.useHandoff(token, browser);
  }

  // --- deep linking --------------------------------------------------------------------------

  /** What an instructor may place: every lesson with quizzes or labs, and each of those. */
  choices(): {
    lesson: { target: string; title: string; points: number };
    blocks: { target: string; title: string; kind: string; points: number }[];
  }[] {
    const outline = this.o.workshops.outline;
    return outline.lessons
      .map((l) => {
        const t: Target = { kind: 'lesson', id: l.route };
        const blocks = targetBlocks(outline, t);
        return {
          lesson: { target: showTarget(t), title: l.title, points: maximumOf(blocks) },
          blocks: blocks.map((b) => ({ target: `${b.type}:${b.id}`, title: b.title, kind: b.type, points: maximumOf([b]) })),
        };
      })
      .filter((x) => x.blocks.length > 0);
  }

  /** The signed deep linking response for the instructor's picks (refused when the session is used or unknown). */
  async deepLink(session: string, picks: string[]): Promise<DeepLinkResult> {
    const outline = this.o.workshops.outline;
    const targets: Target[] = [];
    for (const raw of picks) {
      const t = parseTarget(raw);
      if (!t || !knownTarget(outline, t)) throw new LtiRefusal('LtiUnknownTarget', raw.slice(0, 200));
      if (!targets.some((x) => showTarget(x) === showTarget(t))) targets.push(t);
    }
    const s = await this.o.store.lti.useDeepLink(session);
    if (!s) throw new LtiRefusal('LtiLinkInvalid');
    const p = this.registrations.find(s.issuer, s.clientId);
    if (!p) throw new LtiRefusal('LtiUnknownPlatform', s.issuer);
    const items = targets.map((t) => {
      const title = targetTitle(outline, t);
      const max = maximumOf(targetBlocks(outline, t));
      return {
        type: 'ltiResourceLink',
        title,
        url: this.launchUrl,
        custom: { [TARGET_PARAM]: showTarget(t) },
        ...(max > 0 ? { lineItem: { scoreMaximum: max, label: title, resourceId: showTarget(t), tag: 'drillbook' } } : {}),
      };
    });
    const claims: Record<string, unknown> = {
      [`${LTI}message_type`]: 'LtiDeepLinkingResponse',
      [`${LTI}version`]: '1.3.0',
      [`${LTI}deployment_id`]: s.deploymentId,
      [DL_CONTENT_ITEMS]: items,
      // LTI-DL 2.0 requires a nonce in the response; the platform may use it to refuse a replayed one.
      nonce: randomBytes(16).toString('base64url'),
    };
    if (s.data !== null) claims[DL_DATA] = s.data;
    const jwt = await new SignJWT(claims)
      .setProtectedHeader({ alg: TOOL_ALG, kid: this.key.kid, typ: 'JWT' })
      .setIssuer(p.clientId)
      .setAudience(p.issuer)
      .setIssuedAt()
      .setExpirationTime('10m')
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.key.privateKey);
    return { platform: p, returnUrl: s.returnUrl, jwt, titles: items.map((i) => i.title) };
  }

  // --- scores --------------------------------------------------------------------------------

  /** Quiz answers or a lab attempt of `learner` about `blocks` were committed: queue their scores. */
  resultsChanged(learner: string, blocks: string[]): void {
    const prev = this.chains.get(learner) ?? Promise.resolve();
    const next = prev
      .then(() => this.queueScores(learner, new Set(blocks)))
      .catch((e: unknown) => this.o.log(`lti: scores of ${learner} not queued: ${(e as Error).message}`));
    this.chains.set(learner, next);
    void next.then(() => {
      if (this.chains.get(learner) === next) this.chains.delete(learner);
    });
  }

  private async queueScores(learner: string, changed: Set<string>): Promise<void> {
    const lti = this.o.store.lti;
    const outline = this.o.workshops.outline;
    let queued = false;
    for (const ctx of await lti.learnerContexts(learner)) {
      for (const pl of await lti.placements(ctx.workshop)) {
        if (!pl.lineitem || pl.issuer !== ctx.issuer) continue;
        const t = parseTarget(pl.target);
        if (!t) continue;
        const blocks = targetBlocks(outline, t);
        if (!blocks.some((b) => changed.has(b.id))) continue;
        const events = await this.o.store.results.learnerEvents(learner);
        const labs = await lti.labBest(
          learner,
          blocks.filter((b) => b.type === 'lab').map((b) => b.id),
        );
        const score = scoreOf(blocks, events, labs, this.o.scorePolicy);
        const last = await lti.lastScore(pl.lineitem, ctx.subject);
        // Nothing done yet and nothing sent before: no score (a 0 would show as a grade in the LMS).
        if (!last && score.activityProgress === 'Initialized') continue;
        if (
          last &&
          last.state !== 'rejected' &&
          last.scoreGiven === score.scoreGiven &&
          last.scoreMaximum === score.scoreMaximum &&
          last.activityProgress === score.activityProgress
        )
          continue;
        await lti.enqueue({ issuer: pl.issuer, clientId: pl.clientId, lineitem: pl.lineitem, userId: ctx.subject, learner, ...score });
        queued = true;
      }
    }
    if (queued) this.sender.kick();
  }
}
