/**
 * The tool's signing key: an RSA key pair made once (jose) and kept in the
 * results store (`lti_tool_keys`), so every server sharing the store signs
 * with the same key and publishes the same /lti/jwks, and platforms that
 * cached our JWKS keep trusting us across restarts. It signs deep-linking
 * responses and OAuth 2 client assertions.
 *
 * Before the store kept it, each server kept its key in
 * `STATE_DIR/lti-key.json`: a store without a key adopts that file's key, so
 * a server that had one keeps its kid (the file is read no more after that).
 * Servers starting at once each offer a key; the store keeps the first one
 * committed and every server uses that one.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { LtiStore } from '../store/lti.ts';

export const TOOL_ALG = 'RS256';
/** Where a server kept its key before the store did (adopted once, see above). */
export const LEGACY_KEY_FILE = 'lti-key.json';

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

async function makeKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(TOOL_ALG, { modulusLength: 2048, extractable: true });
  const made = await exportJWK(privateKey);
  made.kid = await calculateJwkThumbprint(publicOf(made));
  made.alg = TOOL_ALG;
  made.use = 'sig';
  return made;
}

function parseKey(text: string, where: string): JWK {
  let jwk: JWK;
  try {
    jwk = JSON.parse(text) as JWK;
  } catch (e) {
    throw new Error(`${where} is not an LTI tool key (not JSON: ${(e as Error).message})`);
  }
  if (!jwk.kid || !jwk.d) throw new Error(`${where} is not an LTI tool key (no kid or private part)`);
  return jwk;
}

/** The old per-server key file, if there is one. */
function legacyKey(stateDir: string | undefined): JWK | undefined {
  if (!stateDir) return undefined;
  const file = join(stateDir, LEGACY_KEY_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the LTI tool key ${file}: ${(e as Error).message}`);
  }
  return parseKey(text, `${file} (remove it to make a new key)`);
}

/**
 * The tool key kept in the store; made (or adopted from STATE_DIR/lti-key.json) when the store
 * has none. `log` hears where it came from when that is not the store already.
 */
export async function loadOrCreateToolKey(store: LtiStore, stateDir?: string, log: (line: string) => void = () => {}): Promise<ToolKey> {
  let text = await store.toolKey();
  if (text === undefined) {
    const old = legacyKey(stateDir);
    const offered = old ?? (await makeKey());
    text = await store.offerToolKey(JSON.stringify(offered));
    const kept = parseKey(text, 'the LTI tool key in the results store');
    if (kept.kid !== offered.kid) log(`LTI tool key ${kept.kid}: made by another server sharing the store`);
    else if (old)
      log(`LTI tool key ${kept.kid}: moved from ${join(stateDir!, LEGACY_KEY_FILE)} into the results store (the file is no longer read)`);
    else log(`LTI tool key ${kept.kid}: made and kept in the results store`);
  }
  const jwk = parseKey(text, 'the LTI tool key in the results store');
  const privateKey = (await importJWK(jwk, TOOL_ALG)) as CryptoKey;
  return { kid: jwk.kid!, privateKey, publicJwk: publicOf(jwk) };
}
