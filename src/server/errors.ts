/**
 * The server's error catalogue: every failed API answer and WebSocket error
 * carries one of these stable names, an HTTP status and a message that says
 * what happened and what to do. Tests assert the messages verbatim.
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
  RateLimited: {
    status: 429,
    message: (detail: string) => detail,
  },
  NotFound: {
    status: 404,
    message: (path: string) => `There is no API at ${path}.`,
  },
} as const;

export type ServerErrorName = keyof typeof SERVER_ERRORS;

export interface ServerErrorBody {
  error: ServerErrorName;
  message: string;
  retryAfterSeconds?: number;
}
