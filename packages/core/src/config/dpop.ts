/**
 * The `dpop` section of an authorization server's configuration (RFC 9449): whether DPoP-bound
 * tokens are refused, accepted or required, the proof's lifetime, the algorithms a proof may use,
 * and the secret(s) resource-server nonces are made with. Validated when built, every bad field
 * named by its path (`dpop.algorithms[1]`).
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'
import { supportedAlgorithms, type SupportedAlgorithm } from '../jose/jwk.ts'

/**
 * How an authorization server's DPoP-bound tokens are treated: `off` accepts `Bearer` only and
 * refuses DPoP-bound tokens; `enabled` accepts `Bearer` for unbound tokens and `DPoP` for bound
 * ones; `required` accepts only DPoP-bound tokens with a proof.
 *
 * @example
 * ```ts
 * const mode: DpopMode = 'enabled'
 * ```
 */
export type DpopMode = 'off' | 'enabled' | 'required'

/**
 * The `dpop` section as written by a user (JSON-compatible; every member optional).
 *
 * @example
 * ```ts
 * const dpop: DpopInput = { mode: 'required', requireNonce: true, nonceSecret: 'a shared secret of at least 32 characters' }
 * ```
 */
export interface DpopInput {
  /** Default `'off'`. */
  readonly mode?: DpopMode
  /** Require a current resource-server nonce in every proof (RFC 9449 §9). Default `false`. */
  readonly requireNonce?: boolean
  /** How long after its `iat` a proof is accepted, in seconds (1–3600). Default 120. */
  readonly proofLifetimeSeconds?: number
  /** Leeway for a proof's `iat`, in seconds (0–300). Default 5. */
  readonly clockToleranceSeconds?: number
  /** Algorithms a proof may use: asymmetric only. Default ES256, RS256, PS256, EdDSA. */
  readonly algorithms?: readonly string[]
  /**
   * The secret nonces are made with, shared by every instance (at least 32 characters), or a list
   * of them to rotate by overlap: the first makes new nonces, every one is accepted. When absent,
   * each process makes its own random secret (nonces then hold only on the instance that made them).
   */
  readonly nonceSecret?: string | readonly string[]
}

/**
 * A validated `dpop` section with every default filled in.
 *
 * @example
 * ```ts
 * const config: DpopConfig = defineDpopConfig({ mode: 'enabled' })
 * config.proofLifetimeSeconds // 120
 * ```
 */
export interface DpopConfig {
  readonly mode: DpopMode
  readonly requireNonce: boolean
  readonly proofLifetimeSeconds: number
  readonly clockToleranceSeconds: number
  readonly algorithms: readonly SupportedAlgorithm[]
  /** The nonce secrets, the signing one first; empty when none is configured. */
  readonly nonceSecrets: readonly string[]
}

/**
 * The algorithms a DPoP proof may use when the configuration names none.
 *
 * @example
 * ```ts
 * defaultDpopAlgorithms // ['ES256', 'RS256', 'PS256', 'EdDSA']
 * ```
 */
export const defaultDpopAlgorithms: readonly SupportedAlgorithm[] = Object.freeze(['ES256', 'RS256', 'PS256', 'EdDSA'])

/**
 * The configuration of a server with no `dpop` section: DPoP off.
 *
 * @example
 * ```ts
 * const dpop = server.dpop ?? defaultDpopConfig
 * ```
 */
export const defaultDpopConfig: DpopConfig = Object.freeze({
  mode: 'off',
  requireNonce: false,
  proofLifetimeSeconds: 120,
  clockToleranceSeconds: 5,
  algorithms: defaultDpopAlgorithms,
  nonceSecrets: Object.freeze([]) as readonly string[],
})

// `nonceSecrets` is the validated form: a built `dpop` section (an `AuthorizationServerConfig`'s,
// handed to `createVerifier` again, as the registry does) must validate to itself.
const knownFields = new Set(['mode', 'requireNonce', 'proofLifetimeSeconds', 'clockToleranceSeconds', 'algorithms', 'nonceSecret', 'nonceSecrets'])
const modes: readonly string[] = ['off', 'enabled', 'required']
const minSecretLength = 32
const maxSecretLength = 1024
const maxSecrets = 8

/**
 * Checks a `dpop` section without throwing: the config with defaults filled in, or every problem
 * named by its path under `path` (default `dpop`).
 *
 * @example
 * ```ts
 * const r = validateDpopConfig({ mode: 'enabled', algorithms: ['ES256', 'HS256'] })
 * // r.issues: [{ path: 'dpop.algorithms[1]', message: 'HS256 is never allowed (unsigned or symmetric)' }]
 * ```
 */
export function validateDpopConfig(
  input: unknown,
  path = 'dpop',
): { readonly ok: true; readonly config: DpopConfig } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  const issues: ConfigIssue[] = []
  const issue = (member: string, message: string): void => {
    issues.push({ path: member === '' ? path : `${path}.${member}`, message })
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, issues: [{ path, message: 'must be an object' }] }
  }
  const o = input as Record<string, unknown>
  for (const key of Object.keys(o)) if (!knownFields.has(key)) issue(key, 'unknown field')

  let mode = defaultDpopConfig.mode
  if (o.mode !== undefined) {
    if (typeof o.mode === 'string' && modes.includes(o.mode)) mode = o.mode as DpopMode
    else issue('mode', 'must be "off", "enabled" or "required"')
  }
  let requireNonce = defaultDpopConfig.requireNonce
  if (o.requireNonce !== undefined) {
    if (typeof o.requireNonce === 'boolean') requireNonce = o.requireNonce
    else issue('requireNonce', 'must be true or false')
  }
  let proofLifetimeSeconds = defaultDpopConfig.proofLifetimeSeconds
  if (o.proofLifetimeSeconds !== undefined) {
    const v = o.proofLifetimeSeconds
    if (Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 3600) proofLifetimeSeconds = v as number
    else issue('proofLifetimeSeconds', 'must be an integer number of seconds from 1 to 3600')
  }
  let clockToleranceSeconds = defaultDpopConfig.clockToleranceSeconds
  if (o.clockToleranceSeconds !== undefined) {
    const v = o.clockToleranceSeconds
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 300) clockToleranceSeconds = v
    else issue('clockToleranceSeconds', 'must be a number of seconds from 0 to 300')
  }
  let algorithms = defaultDpopConfig.algorithms
  if (o.algorithms !== undefined) {
    if (!Array.isArray(o.algorithms) || o.algorithms.length === 0) issue('algorithms', 'must be a non-empty array')
    else {
      const seen = new Set<SupportedAlgorithm>()
      o.algorithms.forEach((a: unknown, i) => {
        const at = `algorithms[${i}]`
        if (typeof a !== 'string') issue(at, 'must be a string')
        else if (a.toLowerCase() === 'none' || /^HS/i.test(a)) issue(at, `${a} is never allowed (unsigned or symmetric)`)
        else if (!(supportedAlgorithms as readonly string[]).includes(a)) issue(at, `${a} is not supported; use one of ${supportedAlgorithms.join(', ')}`)
        else seen.add(a as SupportedAlgorithm)
      })
      algorithms = Object.freeze([...seen])
    }
  }
  let nonceSecrets = defaultDpopConfig.nonceSecrets
  if (o.nonceSecrets !== undefined) {
    if (o.nonceSecret !== undefined) issue('nonceSecrets', 'give nonceSecret or nonceSecrets, not both')
    else if (!Array.isArray(o.nonceSecrets)) issue('nonceSecrets', 'must be an array of strings')
  }
  const secretField = o.nonceSecret !== undefined ? 'nonceSecret' : 'nonceSecrets'
  const secretValue = o.nonceSecret !== undefined ? o.nonceSecret : Array.isArray(o.nonceSecrets) && o.nonceSecrets.length > 0 ? o.nonceSecrets : undefined
  if (secretValue !== undefined) {
    const list = typeof secretValue === 'string' ? [secretValue] : secretValue
    if (!Array.isArray(list) || list.length === 0 || list.length > maxSecrets) {
      issue(secretField, `must be a string or an array of 1 to ${maxSecrets} strings`)
    } else {
      list.forEach((secret: unknown, i) => {
        const at = typeof secretValue === 'string' ? secretField : `${secretField}[${i}]`
        if (typeof secret !== 'string' || secret.length < minSecretLength || secret.length > maxSecretLength) {
          issue(at, `must be a string of ${minSecretLength} to ${maxSecretLength} characters`)
        }
      })
      nonceSecrets = Object.freeze([...(list as string[])])
    }
  }
  if (issues.length > 0) return { ok: false, issues }
  return { ok: true, config: Object.freeze({ mode, requireNonce, proofLifetimeSeconds, clockToleranceSeconds, algorithms, nonceSecrets }) }
}

/**
 * Builds a `dpop` section, throwing {@link ConfigError} (every bad field by path) when invalid.
 *
 * @example
 * ```ts
 * const dpop = defineDpopConfig({ mode: 'required', proofLifetimeSeconds: 60 })
 * ```
 */
export function defineDpopConfig(input: DpopInput | Record<string, unknown>): DpopConfig {
  const r = validateDpopConfig(input)
  if (!r.ok) throw new ConfigError(r.issues)
  return r.config
}
