/**
 * The platforms (LMSs) Drillbook is registered in, read from the JSON file
 * DRILLBOOK_LTI_PLATFORMS names and checked with zod at start: a bad file
 * stops the server with the field and the platform it is about. Several
 * platforms at once; a platform is known by its issuer and client id (one
 * LMS may register the tool more than once).
 *
 *   { "platforms": [ { "name": "Moodle at Example U", "issuer": "https://moodle.example.edu",
 *       "clientId": "aBc123", "deploymentIds": ["1"],
 *       "authUrl": "https://moodle.example.edu/mod/lti/auth.php",
 *       "tokenUrl": "https://moodle.example.edu/mod/lti/token.php",
 *       "jwksUrl": "https://moodle.example.edu/mod/lti/certs.php" } ] }
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** http is allowed only for loopback addresses (tests, a platform on the same machine); anything else must be https. */
function isSafeUrl(text: string): boolean {
  try {
    const u = new URL(text);
    if (u.protocol === 'https:') return true;
    return u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  } catch {
    return false;
  }
}

const Url = (what: string) =>
  z
    .string()
    .refine(isSafeUrl, { message: `${what} must be an https:// URL (http:// only for localhost or 127.0.0.1)` })
    .describe(what);

export const Platform = z
  .object({
    name: z.string().min(1).max(100).describe('What the platform is called in logs and pages, e.g. "Moodle at Example U"'),
    issuer: z.string().min(1).max(500).describe('The platform ID (the `iss` of its tokens), e.g. https://canvas.instructure.com'),
    clientId: z.string().min(1).max(500).describe('The client ID the platform gave Drillbook (the `aud` of its tokens)'),
    deploymentIds: z.array(z.string().min(1).max(500)).min(1).describe('Deployment IDs of this registration that may launch Drillbook'),
    authUrl: Url('authUrl (OIDC authorisation endpoint)'),
    tokenUrl: Url('tokenUrl (OAuth 2 access token endpoint)'),
    jwksUrl: Url("jwksUrl (the platform's public keys)"),
    tokenAudience: z
      .string()
      .min(1)
      .optional()
      .describe('The `aud` of our client assertions when the platform wants something else than tokenUrl (some Moodle set-ups)'),
    frameOrigins: z
      .array(z.string().refine(isSafeUrl, { message: 'frameOrigins entries must be https:// origins' }))
      .default([])
      .describe(
        "Origins whose pages may frame Drillbook's LTI pages (deep linking dialogs), besides authUrl's origin; Canvas: your Canvas domain",
      ),
  })
  .strict();
export type Platform = z.infer<typeof Platform>;

export const PlatformsFile = z
  .object({ platforms: z.array(Platform).min(1).describe('Every platform Drillbook is registered in') })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.platforms.forEach((p, i) => {
      const key = `${p.issuer}\u0000${p.clientId}`;
      if (seen.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['platforms', i],
          message: `issuer ${p.issuer} with client id ${p.clientId} is registered twice`,
        });
      seen.add(key);
    });
  });

export class Registrations {
  readonly platforms: Platform[];
  constructor(platforms: Platform[]) {
    this.platforms = platforms;
  }

  /** The registration for an issuer (and client id when given; without one the issuer must be registered once). */
  find(issuer: string, clientId?: string): Platform | undefined {
    const all = this.platforms.filter((p) => p.issuer === issuer && (clientId === undefined || p.clientId === clientId));
    return all.length === 1 ? all[0] : undefined;
  }

  /** Origins that may frame our LTI pages for this platform. */
  frameOrigins(p: Platform): string[] {
    return [new URL(p.authUrl).origin, ...p.frameOrigins.map((o) => new URL(o).origin)];
  }
}

/** Parses a registrations file's text; throws one message naming every bad field (`platforms.0.jwksUrl: ...`). */
export function parseRegistrations(text: string, file: string): Registrations {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`DRILLBOOK_LTI_PLATFORMS: ${file} is not JSON: ${(e as Error).message}`);
  }
  const r = PlatformsFile.safeParse(raw);
  if (!r.success) {
    const lines = r.error.issues.map((i) => {
      const where = i.path.join('.') || '(the file)';
      const name =
        i.path[0] === 'platforms' && typeof i.path[1] === 'number'
          ? ((raw as { platforms?: { name?: unknown }[] }).platforms?.[i.path[1]]?.name ?? `#${i.path[1] + 1}`)
          : undefined;
      return `  ${where}${name !== undefined ? ` (platform ${String(name)})` : ''}: ${i.message}`;
    });
    throw new Error(`DRILLBOOK_LTI_PLATFORMS: ${file} is not a valid registrations file:\n${lines.join('\n')}`);
  }
  return new Registrations(r.data.platforms);
}

export function loadRegistrations(file: string): Registrations {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`DRILLBOOK_LTI_PLATFORMS: cannot read ${file}: ${(e as Error).message}`);
  }
  return parseRegistrations(text, file);
}
