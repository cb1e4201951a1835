/**
 * The Promise door's `validateIntrospection`: the same check with the runtime's own HTTP POST
 * client (or one on an injected `fetch`), so callers never build an `HttpPost` themselves.
 *
 * @module
 */
import { platform } from '#platform'
import { type IntrospectionValidationReport, validateIntrospection as validateIntrospectionWith, type ValidateIntrospectionInput } from './validate-introspection.ts'

/**
 * Options of {@link validateIntrospection}: the built `introspection` section and the connection
 * settings of its authorization server.
 *
 * @example
 * ```ts
 * const options: ValidateIntrospectionOptions = { config: server.introspection!, issuer: server.issuer, detail: 'tenant' }
 * ```
 */
export interface ValidateIntrospectionOptions extends Omit<ValidateIntrospectionInput, 'httpPost'> {
  /** Used instead of the runtime's HTTP client (which then owns its TLS settings). */
  readonly fetch?: typeof fetch
}

/**
 * Introspects one random opaque string with the configured client authentication and reports
 * whether endpoint, credentials and answers are healthy (see the report's `outcome`). Never
 * rejects. On Node.js, client certificates, custom CAs, trust mode and proxies are honoured.
 *
 * @example
 * ```ts
 * import { defineAuthorizationServer, validateIntrospection } from '@tokenward/core'
 *
 * const server = defineAuthorizationServer(input)
 * const report = await validateIntrospection({ config: server.introspection!, issuer: server.issuer })
 * report.outcome // 'healthy', or e.g. 'credentials_refused' with report.problems in words
 * ```
 */
export function validateIntrospection(options: ValidateIntrospectionOptions): Promise<IntrospectionValidationReport> {
  const { fetch: fetchImpl, ...rest } = options
  return validateIntrospectionWith({ ...rest, httpPost: platform.httpPost(fetchImpl) })
}
