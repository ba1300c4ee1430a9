/**
 * The server's error catalogue: every failed API answer and WebSocket error
 * carries one of these stable names, an HTTP status and a message that says
 * what happened and what to do. Shared with the browser (which reads the
 * names); tests assert the messages verbatim. docs/errors.md lists them.
 */

/**
 * What each rate limit counts, for RateLimited's one text: the requests, whose (a learner's own, or
 * their address's: a class behind one NAT shares one), and what to do once the wait is over.
 */
export const RATE_LIMITS = {
  sandboxStarts: { what: 'sandbox starts', from: '', then: 'try again' },
  sandboxStartsFromAddress: { what: 'sandbox starts', from: ' from your address', then: 'try again' },
  signIns: { what: 'sign-in attempts', from: ' from your address', then: 'try again' },
  joins: { what: 'attempts to join', from: ' from your address', then: 'try again' },
  ltiLaunches: { what: 'LTI launches', from: ' from your address', then: 'open the link in the LMS again' },
} as const;
export type RateLimit = keyof typeof RATE_LIMITS;

export const SERVER_ERRORS = {
  SandboxDisabled: {
    status: 503,
    message: (reason: string) =>
      `Sandbox mode is not available on this server: ${reason} The lessons work without it; the site's operator can enable it.`,
  },
  AtCapacity: {
    status: 503,
    message: (seconds: number) => `All sandboxes on this server are in use. Try again in ${seconds} s.`,
  },
  NoSandbox: {
    status: 404,
    message: () => 'You have no sandbox yet. Open one with the "Open sandbox" button (POST /api/sandbox).',
  },
  OriginRejected: {
    status: 403,
    message: (origin: string) =>
      `Requests from ${origin} may not use this server's sandboxes. Open the site at its own address, or add the origin to DRILLBOOK_ALLOWED_ORIGINS.`,
  },
  SandboxStartFailed: {
    status: 500,
    message: (detail: string) =>
      `Your sandbox could not start (${detail}). This is a server problem, not something you did: try again, and tell the site's operator if it persists.`,
  },
  BadMessage: {
    status: 400,
    message: (detail: string) =>
      `Message ignored: ${detail}. Control messages are JSON text frames of type resize, pause, resume, restart or ping; keystrokes are binary frames.`,
  },
  LabNotFound: {
    status: 404,
    message: (detail: string) => detail,
  },
  LabNotStarted: {
    status: 409,
    message: (detail: string) => detail,
  },
  LabBusy: {
    status: 409,
    message: (detail: string) => detail,
  },
  LabSetupFailed: {
    status: 500,
    message: (detail: string) => detail,
  },
  SolutionLocked: {
    status: 403,
    message: (detail: string) => detail,
  },
  RateLimited: {
    status: 429,
    message: (limit: RateLimit, seconds: number) =>
      `Too many ${RATE_LIMITS[limit].what}${RATE_LIMITS[limit].from} in the last minute. Wait ${seconds} s, then ${RATE_LIMITS[limit].then}.`,
  },
  NotFound: {
    status: 404,
    message: (path: string) => `There is no API at ${path}.`,
  },
  HostRejected: {
    status: 421,
    message: (host: string) =>
      `This server does not answer for the host "${host}". Open it at its own address, or the operator can add the name to DRILLBOOK_ALLOWED_HOSTS (or set DRILLBOOK_PUBLIC_URL).`,
  },
  OriginRequired: {
    status: 403,
    message: () => 'A terminal connection must say where it comes from (an Origin header); open the terminal from the site.',
  },
  TooManySandboxes: {
    status: 429,
    message: (count: number) =>
      `Your network address already holds ${count} sandboxes on this server, the most one address may hold. Close a sandbox you no longer use (or join your workshop) and try again.`,
  },
  TooManyViewers: {
    status: 429,
    message: (count: number) =>
      `Your sandbox already has ${count} terminal connections open, the most allowed. Close another tab with this terminal and reload.`,
  },
  BadRequest: {
    status: 400,
    message: (detail: string) => `The request was not understood: ${detail}.`,
  },
  PayloadTooLarge: {
    status: 413,
    message: (limit: number) => `The request body is larger than this server accepts (${limit} bytes).`,
  },
  UnsupportedMediaType: {
    status: 415,
    message: (type: string) => `The request body has a type this server does not read (${type}); send JSON or nothing.`,
  },
  HeadersTooLarge: {
    status: 431,
    message: () => 'The request headers are larger than this server accepts (often too many or too large cookies).',
  },
  ResultsNotSaved: {
    status: 507,
    message: (detail: string) =>
      `Your results could not be saved on the server (${detail}). Nothing was changed: your page keeps what it has not saved and sends it again; tell the operator (the server's disk may be full).`,
  },
  InstructorSignInFailed: {
    status: 401,
    message: () => 'That name and password do not match an instructor on this server. Check both and try again.',
  },
  InstructorSignInUnavailable: {
    status: 403,
    message: () =>
      'Instructor sign-in with a password is not set up on this server: the operator sets DRILLBOOK_INSTRUCTOR_PASSWORD, or prints a one-time link with ./drillbook workshop link.',
  },
  InstructorOnly: {
    status: 401,
    message: () => 'This is for instructors: sign in on the instructor page first.',
  },
  SignInLinkInvalid: {
    status: 404,
    message: () => 'This sign-in link is not valid: it was used already or has expired. Ask for a new one (./drillbook workshop link).',
  },
  WorkshopNotFound: {
    status: 404,
    message: () => 'There is no such workshop among yours.',
  },
  JoinCodeUnknown: {
    status: 404,
    message: (code: string) =>
      `No workshop has the code "${code}". Check the code your instructor gave you (letters and digits, like K7M-3QX).`,
  },
  WorkshopEnded: {
    status: 410,
    message: (title: string) => `The workshop "${title}" has ended: it takes no more learners. Your results from it are kept.`,
  },
  WorkshopFull: {
    status: 409,
    message: (seats: number) => `This workshop is full: all ${seats} seats are taken. Ask your instructor to make room.`,
  },
  NameTaken: {
    status: 409,
    message: (name: string) => `Someone in this workshop already goes by "${name}". Choose another display name.`,
  },
  NotInWorkshop: {
    status: 404,
    message: () => 'You are not in a running workshop. Join one with the code your instructor gave you.',
  },
  LearnerNotFound: {
    status: 404,
    message: () => 'That learner is not in this workshop.',
  },
  LessonLocked: {
    status: 403,
    message: (what: string) => `Your instructor has not opened ${what} yet. It opens when the class gets there.`,
  },
  WatchRefused: {
    status: 403,
    message: (why: string) => `You cannot watch this terminal: ${why}`,
  },
  ResumeLinkInvalid: {
    status: 404,
    message: () => 'This resume link is not valid. Ask for a new one on the device where you started.',
  },
  UnknownLesson: {
    status: 400,
    message: (detail: string) => detail,
  },
  UnknownBlock: {
    status: 400,
    message: (detail: string) => detail,
  },
  // LTI 1.3 (src/lti): launches from an LMS are refused with one of these, shown as an error page.
  LtiUnknownPlatform: {
    status: 400,
    message: (issuer: string) =>
      `No LMS registered on this server has the issuer "${issuer}" (with that client ID). The operator registers the LMS in the DRILLBOOK_LTI_PLATFORMS file; nothing was recorded.`,
  },
  LtiLoginInvalid: {
    status: 400,
    message: (detail: string) => `This is not an LTI 1.3 login request: ${detail}. Start Drillbook from a link in your LMS course.`,
  },
  LtiStateMismatch: {
    status: 401,
    message: (detail: string) =>
      `This launch does not belong to a sign-in started in this browser (${detail}). Nothing was recorded. Open the link in the LMS again; if this keeps happening, set the tool to open in a new window: the browser may be blocking Drillbook's cookie inside the LMS page.`,
  },
  LtiBadSignature: {
    status: 401,
    message: (platform: string) =>
      `The launch token is not signed by a key of ${platform} (its signature does not verify against the platform's published keys). Nothing was recorded. If the LMS changed its keys, check jwksUrl in the registration.`,
  },
  LtiWrongAudience: {
    status: 401,
    message: (detail: string) =>
      `The launch token was issued for another tool: ${detail}. Nothing was recorded. Check the client ID in the registration.`,
  },
  LtiTokenExpired: {
    status: 401,
    message: (detail: string) =>
      `The launch token has expired (${detail}). Nothing was recorded. Open the link in the LMS again; if it keeps happening, check the clocks of the LMS and this server.`,
  },
  LtiNonceReplayed: {
    status: 401,
    message: () =>
      'This launch token was used already (its nonce has been seen): a launch cannot be sent twice. Nothing was recorded. Open the link in the LMS again for a new launch.',
  },
  LtiUnknownDeployment: {
    status: 403,
    message: (deployment: string, platform: string) =>
      `The deployment "${deployment}" of ${platform} is not registered on this server. Nothing was recorded. The operator adds its ID to deploymentIds in the DRILLBOOK_LTI_PLATFORMS file.`,
  },
  LtiWrongMessageType: {
    status: 400,
    message: (type: string) =>
      `The launch is a "${type}" message; Drillbook takes LtiResourceLinkRequest (open a placed lesson, quiz or lab) and LtiDeepLinkingRequest (place them in the course). Nothing was recorded.`,
  },
  LtiBadToken: {
    status: 400,
    message: (detail: string) => `The launch token is not a valid LTI 1.3 launch: ${detail}. Nothing was recorded.`,
  },
  LtiInstructorsOnly: {
    status: 403,
    message: () => 'Only an instructor of the LMS course can place Drillbook lessons, quizzes and labs in it. Nothing was recorded.',
  },
  LtiCourseNotReady: {
    status: 409,
    message: (course: string) =>
      `Drillbook is not open for the course "${course}" yet: your instructor opens it once from the LMS first. Try again later; nothing was recorded.`,
  },
  LtiLinkInvalid: {
    status: 404,
    message: () =>
      'This Drillbook link from your LMS has been used already or has expired (it lasts a few minutes). Open the link in the LMS again.',
  },
  LtiUnknownTarget: {
    status: 400,
    message: (target: string) =>
      `"${target}" is not a lesson, quiz or lab of this course (any more). Nothing was recorded. The instructor places it again from Drillbook's list.`,
  },

  InternalError: {
    status: 500,
    message: () => 'Something went wrong on the server. This is not something you did: try again, and tell the operator if it persists.',
  },
} as const;

export type ServerErrorName = keyof typeof SERVER_ERRORS;

/** The arguments the message of error `N` takes. */
export type ServerErrorArgs<N extends ServerErrorName> = Parameters<(typeof SERVER_ERRORS)[N]['message']>;

/** The catalogue text of error `N`. */
export function serverErrorMessage<N extends ServerErrorName>(name: N, ...args: ServerErrorArgs<N>): string {
  return (SERVER_ERRORS[name].message as (...a: ServerErrorArgs<N>) => string)(...args);
}

export interface ServerErrorBody {
  error: ServerErrorName;
  message: string;
  retryAfterSeconds?: number;
}
