/**
 * Validation of a launch's id_token, in full, with jose: the signature
 * against the platform's JWKS (fetched and cached per platform), `iss`,
 * `aud` (our client id), `azp`, `exp`, `iat` (not from the future, not older
 * than MAX_TOKEN_AGE), then the LTI claims: version 1.3.0, a known message
 * type, a registered deployment. The caller checks `state` and that the
 * nonce is the login's and used once (that needs the store).
 *
 * Every refusal is an LtiRefusal naming a catalogue entry, so the page says
 * which check failed.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { ServerErrorArgs, ServerErrorName } from '../protocol/errors.ts';
import { LaunchClaims, LTI, MESSAGE_TYPES } from './claims.ts';
import type { Platform } from './registrations.ts';

/** A token older than this (by its iat) is refused; logins and nonces are kept as long. */
export const MAX_TOKEN_AGE_S = 600;
const CLOCK_SKEW_S = 60;
const ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256'];

export class LtiRefusal<N extends ServerErrorName = ServerErrorName> extends Error {
  readonly kind: N;
  readonly args: ServerErrorArgs<N>;
  constructor(kind: N, ...args: ServerErrorArgs<N>) {
    super(`${kind}: ${args.join(', ')}`);
    this.name = 'LtiRefusal';
    this.kind = kind;
    this.args = args;
  }
}

/** One cached JWKS per platform (jose refetches when a token names a kid it has not seen, at most every 30 s). */
export class PlatformKeys {
  private sets = new Map<string, JWTVerifyGetKey>();
  get(p: Platform): JWTVerifyGetKey {
    let s = this.sets.get(p.jwksUrl);
    if (!s) {
      s = createRemoteJWKSet(new URL(p.jwksUrl), { cacheMaxAge: 10 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 });
      this.sets.set(p.jwksUrl, s);
    }
    return s;
  }
}

export async function verifyLaunch(
  token: string,
  p: Platform,
  keys: PlatformKeys,
  nowS = Math.floor(Date.now() / 1000),
): Promise<LaunchClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keys.get(p), {
      issuer: p.issuer,
      audience: p.clientId,
      algorithms: ALGS,
      requiredClaims: ['exp', 'iat', 'nonce', 'sub'],
      maxTokenAge: MAX_TOKEN_AGE_S,
      clockTolerance: CLOCK_SKEW_S,
      currentDate: new Date(nowS * 1000),
    }));
  } catch (e) {
    if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey)
      throw new LtiRefusal('LtiBadSignature', p.name);
    if (e instanceof errors.JWTExpired)
      throw new LtiRefusal(
        'LtiTokenExpired',
        e.claim === 'iat' ? `issued more than ${MAX_TOKEN_AGE_S / 60} minutes ago` : 'past its exp time',
      );
    if (e instanceof errors.JWTClaimValidationFailed) {
      if (e.claim === 'aud')
        throw new LtiRefusal(
          'LtiWrongAudience',
          `its aud is ${JSON.stringify(e.payload.aud)}, not the client ID ${p.clientId} registered for ${p.name}`,
        );
      if (e.claim === 'iss') throw new LtiRefusal('LtiBadToken', `its iss is ${JSON.stringify(e.payload.iss)}, not ${p.issuer}`);
      if (e.claim === 'iat') throw new LtiRefusal('LtiBadToken', 'its iat is in the future (check the clocks of the LMS and this server)');
      throw new LtiRefusal('LtiBadToken', `claim ${e.claim}: ${e.message}`);
    }
    if (e instanceof errors.JWKSTimeout || !(e instanceof errors.JOSEError))
      throw new LtiRefusal('LtiBadToken', `the platform's keys could not be fetched from ${p.jwksUrl} (${(e as Error).message})`);
    throw new LtiRefusal('LtiBadToken', (e as Error).message);
  }
  // azp: required when the token has several audiences, and when present it must be us.
  const aud = payload['aud'];
  const azp = payload['azp'];
  if (Array.isArray(aud) && aud.length > 1 && azp === undefined)
    throw new LtiRefusal('LtiWrongAudience', `it names several audiences (${aud.join(', ')}) and no azp saying which is us`);
  if (azp !== undefined && azp !== p.clientId)
    throw new LtiRefusal('LtiWrongAudience', `its azp is ${JSON.stringify(azp)}, not the client ID ${p.clientId} registered for ${p.name}`);

  const version = payload[`${LTI}version`];
  if (version !== '1.3.0') throw new LtiRefusal('LtiBadToken', `its LTI version is ${JSON.stringify(version)}, not "1.3.0"`);
  const type = payload[`${LTI}message_type`];
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type))
    throw new LtiRefusal('LtiWrongMessageType', String(type));
  const deployment = payload[`${LTI}deployment_id`];
  if (typeof deployment !== 'string' || !p.deploymentIds.includes(deployment))
    throw new LtiRefusal('LtiUnknownDeployment', String(deployment), p.name);

  const r = LaunchClaims.safeParse(payload);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new LtiRefusal('LtiBadToken', `claim ${i.path.join('.') || '(token)'}: ${i.message}`);
  }
  return r.data;
}
