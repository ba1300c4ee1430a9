/**
 * The server's error catalogue: every failed API answer and WebSocket error
 * carries one of these stable names, an HTTP status and a message that says
 * what happened and what to do. Shared with the browser (which reads the
 * names); tests assert the messages verbatim. docs/errors.md lists them.
 */

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
    message: (detail: string) => detail,
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
