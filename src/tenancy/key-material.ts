// What every ragspace key is made of (ARCHITECTURE.md invariant 4): "<kind>_<12 public characters>
// _<43 secret characters>", stored as HMAC-SHA-256 with the server pepper, found by its public
// prefix, compared in constant time. Kinds: rsk = workspace key, rso = organization admin key,
// rsp = platform key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type KeyKind = 'rsk' | 'rso' | 'rsp';

const keyPattern = /^((rs[kop])_[a-z0-9]{12})_[A-Za-z0-9_-]{43}$/;
const publicIdAlphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';

export function hashApiKey(pepper: string, key: string): Buffer {
  return createHmac('sha256', pepper).update(key).digest();
}

/** A new key of `kind` and its prefix (the part stored in clear and shown in listings). */
export function generateKey(kind: KeyKind): { key: string; prefix: string } {
  const bytes = randomBytes(12);
  const publicId = Array.from(bytes, (byte) => publicIdAlphabet[byte % publicIdAlphabet.length]).join('');
  const prefix = `${kind}_${publicId}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** The kind and prefix of a well-formed key, or null (a malformed key is nobody's). */
export function parseKey(presented: string): { kind: KeyKind; prefix: string } | null {
  const match = keyPattern.exec(presented);
  return match ? { kind: match[2] as KeyKind, prefix: match[1]! } : null;
}

/**
 * Constant-time check of a presented key against a stored hash. Hashes and compares even when
 * there is no stored hash, so the time taken does not tell whether a key exists.
 */
export function presentedKeyMatches(pepper: string, presented: string, storedHash: Uint8Array | undefined): boolean {
  const presentedHash = hashApiKey(pepper, presented);
  const stored = storedHash && storedHash.length === presentedHash.length ? Buffer.from(storedHash) : Buffer.alloc(presentedHash.length);
  return timingSafeEqual(stored, presentedHash) && storedHash !== undefined;
}
