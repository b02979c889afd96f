/** Variables copied from Attune's own environment; everything else is withheld from actions and sensors. */
export const INHERITED_ENV_VARS = ['PATH', 'HOME', 'LANG', 'TMPDIR'] as const;

/**
 * The child's environment: a minimal base taken from `baseEnv`, then the caller's ATTUNE_*
 * variables, then runner-specific extras. Action parameters are never placed here (DESIGN §6).
 */
export function buildChildEnv(
  baseEnv: Readonly<Record<string, string | undefined>>,
  requestEnv: Readonly<Record<string, string>>,
  extra: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV_VARS) {
    const value = baseEnv[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...requestEnv, ...extra };
}
