/**
 * LTI 1.3 (Drillbook as the tool; src/lti does the work):
 *   GET|POST /lti/login     OIDC third-party login initiation → 302 to the platform, state cookie set
 *   POST     /lti/launch    the platform's form post (id_token, state) → the hand-off page, or the
 *                           deep linking picker; a refusal is an error page naming the check that failed
 *   GET      /lti/go/:token one-time hand-off: this browser becomes the LMS user's learner (and the
 *                           course's instructor, for instructors), then the lesson
 *   POST     /lti/deep-link the instructor's picks → the form that returns them, signed, to the LMS
 *   GET      /lti/jwks      the tool's public keys
 *
 * /lti/login and /lti/launch are cross-site by design (the LMS's page posts to them): they alone
 * skip the Origin check (route config `crossSite`). What keeps them safe instead is said in
 * docs/security.md ("LTI launches"). Their pages may be framed by the platform (config
 * `framable`), and carry their own CSP.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SERVER_ERRORS, serverErrorMessage, type ServerErrorName } from '../../protocol/errors.ts';
import { LEARNER_COOKIE } from '../plugins/identity.ts';
import { setInstructor } from '../plugins/instructor.ts';
import { BODY_LIMIT, toFailure } from '../plugins/errors.ts';
import { errorPage, handoffPage, pageCsp, pickerPage, returnPage } from '../../lti/pages.ts';
import type { LtiService } from '../../lti/service.ts';
import { LtiRefusal } from '../../lti/verify.ts';
import { failure, rateLimited } from '../errors.ts';
import { clientKey } from '../address.ts';

export const STATE_COOKIE = 'drillbook_lti_state';
/**
 * One state cookie per login, named after the state: two launches under way in one browser at
 * once (two tabs, or an LMS page framing the tool twice) must not overwrite each other's.
 */
export const stateCookie = (state: string) => `${STATE_COOKIE}_${state.slice(0, 16)}`;
/** Binds a hand-off link to the browser the launch page was shown in (launches in a window of their own). */
export const HANDOFF_COOKIE = 'drillbook_lti_handoff';

const Token = z.object({
  token: z
    .string()
    .regex(/^[A-Za-z0-9_-]{10,100}$/)
    .describe('One-time hand-off token'),
});

type Form = Record<string, string | string[]>;

/** application/x-www-form-urlencoded → fields (a name sent several times → its values in order). */
function parseForm(body: string): Form {
  const out: Form = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

/**
 * A form field that must be text: the first value when the field came several times. Optional,
 * so that a missing one is refused by the LTI service with the check it fails (LtiLoginInvalid,
 * LtiBadToken, LtiStateMismatch), not as a malformed request.
 */
const text = (what: string) =>
  z
    .union([z.string(), z.array(z.string()).min(1)], { error: 'must be text' })
    .transform((v) => (Array.isArray(v) ? v[0]! : v))
    .optional()
    .describe(what);

/**
 * OIDC third-party login initiation, as a query (GET) or a form (POST). Other parameters
 * platforms add (Canvas: canvas_region, lti_storage_target) are allowed and ignored.
 */
export const LoginForm = z
  .object({
    iss: text('The platform (its issuer)'),
    login_hint: text("The platform's opaque hint about the user, passed back to it"),
    target_link_uri: text('Where the launch is meant to go'),
    lti_message_hint: text("The platform's opaque hint about the launch, passed back to it"),
    client_id: text('Our client id at that platform (tells apart two registrations of one issuer)'),
    lti_deployment_id: text('The deployment the launch comes from'),
  })
  // No form at all is a form without fields: the service names the first one missing.
  .prefault({});

/** The platform's form post back to /lti/launch (OIDC form_post). */
export const LaunchForm = z
  .object({
    id_token: text('The signed launch (a JWT)'),
    state: text('The state this server issued at login'),
  })
  .prefault({});

/** The instructor's picks in the deep linking picker. */
export const DeepLinkForm = z
  .object({
    session: text('The deep linking session (one-time token of the picker)'),
    items: z
      .union([z.string(), z.array(z.string())], { error: 'must be text' })
      .transform((v) => [v].flat())
      .default([])
      .describe('The picked targets (lesson:…, quiz:…, lab:…), in order'),
  })
  .prefault({});

export default async function ltiRoutes(fastify: FastifyInstance, deps: { lti: LtiService; log?: ((line: string) => void) | undefined }) {
  // Requests are typed from their route's zod schemas (which app.ts's validator checks them against).
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const lti = deps.lti;
  const allFrames = [...new Set(lti.registrations.platforms.flatMap((p) => lti.registrations.frameOrigins(p)))];

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, parseForm(String(body)));
  });

  const html = (reply: FastifyReply, status: number, body: string, csp: string) =>
    reply
      .code(status)
      .header('content-security-policy', csp)
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(body);

  // Every refusal here is a page a person reads (in the LMS's frame or window), not JSON.
  app.setErrorHandler((err, req, reply) => {
    let name: ServerErrorName;
    let message: string;
    if (err instanceof LtiRefusal) {
      name = err.kind;
      message = (serverErrorMessage as (n: ServerErrorName, ...a: unknown[]) => string)(err.kind, ...err.args);
    } else {
      const f = toFailure(err, req);
      if (f.unexpected) deps.log?.(`${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      name = f.failure.error;
      message = f.failure.message;
    }
    return html(reply, SERVER_ERRORS[name].status, errorPage(name, message), pageCsp({ frameOrigins: allFrames }));
  });

  const cross = { config: { crossSite: true, framable: true } } as const;
  // Each login stores a state (pruned after 20 minutes); generous, since a class behind one NAT launches at once.
  const loginLimit = app.createRateLimit({ max: 600, timeWindow: 60_000, keyGenerator: (req) => `lti-login:${clientKey(req.ip)}` });

  const login = async (req: FastifyRequest, reply: FastifyReply) => {
    const limit = await loginLimit(req);
    if (!limit.isAllowed && limit.isExceeded) throw rateLimited('ltiLaunches', Math.max(1, limit.ttlInSeconds));
    // One handler for both routes below: the GET's query and the POST's form, each validated by its route's schema.
    const { redirect, state } = await lti.login((req.method === 'GET' ? req.query : req.body) as z.infer<typeof LoginForm>);
    // SameSite=None: the launch comes back as a cross-site form post from the LMS, which carries no
    // Lax or Strict cookie. Partitioned: when Drillbook runs inside the LMS's frame, browsers that
    // block third-party cookies still keep this one for that frame (CHIPS). Short-lived, path /lti/.
    void reply.setCookie(stateCookie(state), state, {
      signed: true,
      httpOnly: true,
      secure: true,
      sameSite: 'none',
      partitioned: true,
      path: '/lti/',
      maxAge: 600,
    });
    return reply.redirect(redirect, 302);
  };
  app.get('/lti/login', { ...cross, schema: { querystring: LoginForm } }, login);
  app.post('/lti/login', { ...cross, schema: { body: LoginForm } }, login);

  app.post('/lti/launch', { ...cross, schema: { body: LaunchForm } }, async (req, reply) => {
    const form = req.body;
    const state = form.state;
    const raw = state ? req.cookies[stateCookie(state)] : undefined;
    const u = raw ? req.unsignCookie(raw) : undefined;
    const cookieState = u?.valid ? (u.value ?? undefined) : undefined;
    const r = await lti.launch(form.id_token, state, cookieState);
    void reply.clearCookie(stateCookie(state!), { path: '/lti/', secure: true, sameSite: 'none', partitioned: true });
    const frames = lti.registrations.frameOrigins(r.platform);
    if (r.kind === 'pick')
      return html(reply, 200, pickerPage(r.courseTitle, r.platform.name, r.session, lti.choices()), pageCsp({ frameOrigins: frames }));
    if (r.browser !== null)
      // Strict is enough: it is sent on the same-site navigation our launch page makes to /lti/go.
      void reply.setCookie(HANDOFF_COOKIE, r.browser, {
        signed: true,
        httpOnly: true,
        sameSite: 'strict',
        secure: req.protocol === 'https',
        path: '/lti/go/',
        maxAge: 120,
      });
    return html(reply, 200, handoffPage(r.title, `/lti/go/${r.handoff}`, r.newWindow), pageCsp({ frameOrigins: frames }));
  });

  app.get('/lti/go/:token', { schema: { params: Token } }, async (req, reply) => {
    const { token } = req.params;
    const raw = req.cookies[HANDOFF_COOKIE];
    const bound = raw ? req.unsignCookie(raw) : undefined;
    const h = await lti.useHandoff(token, bound?.valid ? (bound.value ?? undefined) : undefined);
    if (!h) throw failure('LtiLinkInvalid');
    void reply.clearCookie(HANDOFF_COOKIE, { path: '/lti/go/' });
    // A same-site navigation (from our own launch page): Strict cookies set here are sent from now on.
    void reply.setCookie(LEARNER_COOKIE, h.learner, {
      signed: true,
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: req.protocol === 'https',
      maxAge: 30 * 24 * 3600,
    });
    if (h.instructor) await setInstructor(req, reply, h.instructor, 'lti');
    return reply.redirect(h.route, 302);
  });

  app.post('/lti/deep-link', { config: { framable: true }, schema: { body: DeepLinkForm } }, async (req, reply) => {
    const form = req.body;
    if (!form.session) throw failure('LtiLinkInvalid');
    const r = await lti.deepLink(form.session, form.items);
    return html(
      reply,
      200,
      returnPage(r.platform.name, r.returnUrl, r.jwt, r.titles),
      pageCsp({ frameOrigins: lti.registrations.frameOrigins(r.platform), formOrigins: [new URL(r.returnUrl).origin] }),
    );
  });

  app.get('/lti/jwks', async (_req, reply) => {
    void reply.header('cache-control', 'public, max-age=300');
    return { keys: [lti.key.publicJwk] };
  });
}
