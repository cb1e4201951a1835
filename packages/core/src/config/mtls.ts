/**
 * The `mtls` section of an authorization server's configuration (RFC 8705 §3): whether only
 * certificate-bound tokens are accepted. Validated when built, every bad field named by its path.
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'

/**
 * `enabled` (default): a certificate-bound token must come with its certificate, unbound tokens
 * are accepted too; `required`: only certificate-bound tokens are accepted.
 *
 * @example
 * ```ts
 * const mode: MtlsMode = 'required'
 * ```
 */
export type MtlsMode = 'enabled' | 'required'

/**
 * The `mtls` section as written by a user.
 *
 * @example
 * ```ts
 * const mtls: MtlsInput = { mode: 'required' }
 * ```
 */
export interface MtlsInput {
  /** Default `'enabled'`. */
  readonly mode?: MtlsMode
}

/**
 * A validated `mtls` section.
 *
 * @example
 * ```ts
 * const config: MtlsConfig = defineMtlsConfig({})
 * config.mode // 'enabled'
 * ```
 */
export interface MtlsConfig {
  readonly mode: MtlsMode
}

/**
 * The configuration of a server with no `mtls` section.
 *
 * @example
 * ```ts
 * const mtls = server.mtls ?? defaultMtlsConfig // { mode: 'enabled' }
 * ```
 */
export const defaultMtlsConfig: MtlsConfig = Object.freeze({ mode: 'enabled' })

/**
 * Checks an `mtls` section without throwing; problems are named by path under `path` (default `mtls`).
 *
 * @example
 * ```ts
 * validateMtlsConfig({ mode: 'always' }) // { ok: false, issues: [{ path: 'mtls.mode', ... }] }
 * ```
 */
export function validateMtlsConfig(
  input: unknown,
  path = 'mtls',
): { readonly ok: true; readonly config: MtlsConfig } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, issues: [{ path, message: 'must be an object' }] }
  const issues: ConfigIssue[] = []
  const o = input as Record<string, unknown>
  for (const key of Object.keys(o)) if (key !== 'mode') issues.push({ path: `${path}.${key}`, message: 'unknown field' })
  let mode: MtlsMode = defaultMtlsConfig.mode
  if (o.mode !== undefined) {
    if (o.mode === 'enabled' || o.mode === 'required') mode = o.mode
    else issues.push({ path: `${path}.mode`, message: 'must be "enabled" or "required"' })
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, config: Object.freeze({ mode }) }
}

/**
 * Builds an `mtls` section, throwing {@link ConfigError} when invalid.
 *
 * @example
 * ```ts
 * const mtls = defineMtlsConfig({ mode: 'required' })
 * ```
 */
export function defineMtlsConfig(input: MtlsInput | Record<string, unknown>): MtlsConfig {
  const r = validateMtlsConfig(input)
  if (!r.ok) throw new ConfigError(r.issues)
  return r.config
}
