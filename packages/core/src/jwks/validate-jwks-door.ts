/**
 * The Promise door's `validateJwks`: the same check with the runtime's own HTTP client (or an
 * injected `fetch`), so callers never build an `HttpGet` themselves.
 *
 * @module
 */
import { platform } from '#platform'
import { type JwksValidationReport, validateJwks as validateJwksWith, type ValidateJwksInput } from './validate-jwks.ts'

/** Options of {@link validateJwks}: the URL and TLS settings of an authorization server's JWKS. */
export interface ValidateJwksOptions extends Omit<ValidateJwksInput, 'httpGet'> {
  /**
   * Used instead of the runtime's HTTP client. An injected `fetch` owns its TLS settings:
   * `certificateValidation` and `trustedCertificates` are then up to it.
   */
  readonly fetch?: typeof fetch
}

/**
 * Fetches a JWKS URL once and reports reachability, TLS, status, the JWK Set's shape and each
 * key's usability (see the report's fields). Never rejects. On Node.js, custom CAs and the
 * certificate-validation switch are honoured; elsewhere they need an injected `fetch`.
 *
 * @example
 * ```ts
 * import { validateJwks } from '@tokenward/core'
 *
 * const report = await validateJwks({ url: 'https://acme.okta.com/oauth2/v1/keys' })
 * report.ok // true
 * report.keys.map((k) => [k.kid, k.algorithms]) // [['k1', ['RS256']]]
 * ```
 */
export function validateJwks(options: ValidateJwksOptions): Promise<JwksValidationReport> {
  const { fetch: fetchImpl, ...rest } = options
  return validateJwksWith({ ...rest, httpGet: platform.httpGet(fetchImpl) })
}
