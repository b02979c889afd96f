import argon2 from 'argon2';

/**
 * Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane): ~20–50 ms per hash on
 * this class of machine, so a login costs the server little while a stolen hash costs an
 * attacker that much per guess.
 */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

/** False for a wrong password and for a hash this code cannot read; never throws on either. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false; // a malformed stored hash is a failed login, not a 500
  }
}

/** Spends as long as a real verification, for logins that name no identity (no user enumeration by timing). */
let dummyHash: Promise<string> | undefined;
export async function verifyNobody(password: string): Promise<false> {
  dummyHash ??= hashPassword('attune: no such identity');
  await verifyPassword(await dummyHash, password);
  return false;
}
