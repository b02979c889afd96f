import type { Rule } from '../domain/index.js';

/**
 * Whether a rule reads `keystore`: only then are keys loaded and opened for it. A plain search of
 * its text: a false positive (a literal that says "keystore") costs a read, never a leak.
 */
export function usesKeystore(rule: Pick<Rule, 'conditions' | 'actionParams'>): boolean {
  return rule.conditions.some((c) => c.includes('keystore')) || JSON.stringify(rule.actionParams).includes('keystore');
}

/**
 * The action parameters whose templates read a key: their rendered values are secret, so they
 * are sealed in storage and masked in the API like parameters the action marks secret.
 */
export function keyedParameters(actionParams: Readonly<Record<string, unknown>>): string[] {
  return Object.entries(actionParams)
    .filter(([, value]) => JSON.stringify(value).includes('keystore'))
    .map(([name]) => name);
}

/** A failure message with every key value masked: a CEL error may quote the value it failed on. */
export function maskKeyValues(message: string, keystore: Readonly<Record<string, string>> | undefined): string {
  if (!keystore) return message;
  let masked = message;
  for (const value of Object.values(keystore)) if (value.length > 0) masked = masked.split(value).join('********');
  return masked;
}
