/**
 * The tool's signing key: an RSA key pair made once (jose) and kept in
 * `STATE_DIR/lti-key.json` (mode 0600), so platforms that cached our JWKS
 * keep trusting us across restarts. Its public half is served at /lti/jwks;
 * it signs deep-linking responses and OAuth 2 client assertions.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export const TOOL_ALG = 'RS256';

export interface ToolKey {
  kid: string;
  privateKey: CryptoKey;
  /** The public JWK (kid, alg, use) as /lti/jwks lists it. */
  publicJwk: JWK;
}

const PRIVATE_FIELDS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

function publicOf(jwk: JWK): JWK {
  const pub: JWK = { ...jwk };
  for (const f of PRIVATE_FIELDS) delete (pub as Record<string, unknown>)[f];
  return pub;
}

/** Reads the kept key, or makes one and keeps it (never overwriting one another process wrote meanwhile). */
export async function loadOrCreateToolKey(stateDir: string): Promise<ToolKey> {
  const file = join(stateDir, 'lti-key.json');
  let jwk: JWK | undefined;
  try {
    jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    chmodSync(file, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the LTI tool key ${file}: ${(e as Error).message}`);
  }
  if (!jwk) {
    const { privateKey } = await generateKeyPair(TOOL_ALG, { modulusLength: 2048, extractable: true });
    const made = await exportJWK(privateKey);
    made.kid = await calculateJwkThumbprint(publicOf(made));
    made.alg = TOOL_ALG;
    made.use = 'sig';
    mkdirSync(stateDir, { recursive: true });
    try {
      writeFileSync(file, `${JSON.stringify(made)}\n`, { mode: 0o600, flag: 'wx' });
      jwk = made;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new Error(`cannot keep the LTI tool key in ${file}: ${(e as Error).message}`);
      jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
    }
  }
  if (!jwk.kid || !jwk.d) throw new Error(`${file} is not an LTI tool key (no kid or private part): remove it to make a new one`);
  const privateKey = (await importJWK(jwk, TOOL_ALG)) as CryptoKey;
  return { kid: jwk.kid, privateKey, publicJwk: publicOf(jwk) };
}
