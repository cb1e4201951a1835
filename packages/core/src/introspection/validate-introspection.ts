/**
 * The admin UI's "Validate" for an introspection connection: introspect one random opaque string
 * once, authenticated the way the verifier would be, and report in words whether the endpoint,
 * the client credentials and the authorization server's answers are healthy.
 *
 * @module
 */
import { clientAuthenticationFor, type ClientAuthenticationMethod } from '../client-auth/index.ts'
import type { IntrospectionConfig } from '../config/introspection.ts'
import { encodeBase64Url } from '../jws/base64url.ts'
import { checkAddressPolicy, type AddressPolicy, type AddressPolicyOptions } from '../network/address-policy.ts'
import { HttpGetFailure, type HttpPost, type TrustMode } from '../platform/types.ts'
import { parseIntrospectionBody } from './decode-response.ts'

/**
 * What {@link validateIntrospection} found, as one word a program can switch on:
 * `healthy` (200 `{"active":false}` for a random string), `credentials_refused` (401/403: the
 * client ID or credentials are wrong), `active_for_random_token` (the AS called a random string
 * active: it is broken or not an introspection endpoint), `unreachable`, `tls_failed`,
 * `address_not_allowed`, `server_error` (5xx or 429), `unexpected_answer` (another status, or a
 * body that is not an introspection answer), `not_prepared` (the client authentication could not
 * be built, e.g. a private key this runtime cannot import).
 *
 * @example
 * ```ts
 * const outcome: IntrospectionCheckOutcome = 'credentials_refused'
 * ```
 */
export type IntrospectionCheckOutcome =
  | 'healthy'
  | 'credentials_refused'
  | 'active_for_random_token'
  | 'unreachable'
  | 'tls_failed'
  | 'address_not_allowed'
  | 'server_error'
  | 'unexpected_answer'
  | 'not_prepared'

/**
 * The result of {@link validateIntrospection}. `ok` is true exactly when `outcome` is `healthy`
 * (and then `problems` is empty); `warnings` never block.
 *
 * @example
 * ```ts
 * const report: IntrospectionValidationReport = await validateIntrospection({ config: server.introspection! })
 * if (!report.ok) console.log(report.problems.join('; '))
 * ```
 */
export interface IntrospectionValidationReport {
  readonly endpoint: string
  readonly clientId: string
  readonly authMethod: ClientAuthenticationMethod
  /** An HTTP response (any status) came back. */
  readonly reachable: boolean
  /** As in the JWKS report: `ok`, `failed`, `not_checked` (switched off, or no handshake completed), `not_applicable` (plain-HTTP loopback). */
  readonly tls: 'ok' | 'not_checked' | 'failed' | 'not_applicable'
  /** The response's status. Absent without a response, and always with `detail: 'tenant'`. */
  readonly httpStatus?: number
  readonly outcome: IntrospectionCheckOutcome
  /** Blocking findings, in words. */
  readonly problems: readonly string[]
  /** Non-blocking findings (unchecked TLS). */
  readonly warnings: readonly string[]
  readonly ok: boolean
  /** ISO 8601 time of the check. */
  readonly checkedAt: string
}

/**
 * What {@link validateIntrospection} checks, and with which HTTP client.
 *
 * @example
 * ```ts
 * const input: ValidateIntrospectionInput = { config: server.introspection!, httpPost: platformHttpPost(), detail: 'tenant' }
 * ```
 */
export interface ValidateIntrospectionInput {
  /** The built `introspection` section (see `defineAuthorizationServer`). */
  /** The introspection section, its endpoint known (filled by discovery first when the config leaves it out). */
  readonly config: IntrospectionConfig & { readonly endpoint: string }
  /** The HTTP POST seam (`platformHttpPost()`). */
  readonly httpPost: HttpPost
  /** The authorization server's issuer: the default audience of a `private_key_jwt` assertion. */
  readonly issuer?: string | undefined
  /** Check the server's TLS certificate. Default `true`. */
  readonly certificateValidation?: boolean | undefined
  /** Extra CA certificates (PEM) to trust. */
  readonly trustedCertificates?: readonly string[] | undefined
  readonly trustMode?: TrustMode | undefined
  /** An `http:` forward proxy. */
  readonly proxy?: string | URL | undefined
  /** Which addresses the endpoint may reach (set it for a tenant's endpoint). Default: none. */
  readonly addressPolicy?: AddressPolicyOptions | AddressPolicy | undefined
  /**
   * `operator` (default): the HTTP status is reported. `tenant`: no status code, response bytes,
   * socket or TLS error text — only the outcome in words.
   */
  readonly detail?: 'operator' | 'tenant' | undefined
  /** Default 5000 ms. */
  readonly timeoutMs?: number | undefined
  /** The clock. Default `() => new Date()`. */
  readonly now?: (() => Date) | undefined
}

const unreachableWords: Readonly<Record<string, string>> = {
  timeout: 'the introspection endpoint is unreachable: no answer in time',
  tls: 'the introspection endpoint\'s TLS certificate is not trusted (or the TLS handshake failed)',
  too_large: 'the introspection endpoint\'s answer is too large',
  address_not_allowed: 'address not allowed: an introspection endpoint must be https and reach public addresses only',
  unsupported: 'unsupported: the introspection request cannot be made as configured',
}

/**
 * Introspects one random opaque string (never a real token) at the configured endpoint, with the
 * configured client authentication, and reports: 200 `{"active": false}` is healthy; 401/403 means
 * the authorization server refused tokenward's client ID or credentials; 200 `active: true` for a
 * random string means the authorization server is broken; no answer, TLS failures and 5xx are
 * reported like the JWKS check's. Never rejects, and never reports the secret.
 *
 * @example
 * ```ts
 * const report = await validateIntrospection({ config: server.introspection!, httpPost: platformHttpPost(), detail: 'tenant' })
 * report.outcome // 'healthy' | 'credentials_refused' | …
 * ```
 */
export async function validateIntrospection(input: ValidateIntrospectionInput): Promise<IntrospectionValidationReport> {
  const { config } = input
  const tenant = input.detail === 'tenant'
  const now = input.now ?? (() => new Date())
  const url = new URL(config.endpoint)
  const certificateValidation = input.certificateValidation ?? true
  const warnings: string[] = []
  if (url.protocol === 'https:' && !certificateValidation) warnings.push('TLS certificate validation is switched off for the introspection endpoint')
  const finish = (outcome: IntrospectionCheckOutcome, problem: string | undefined, facts: { reachable: boolean; tls: IntrospectionValidationReport['tls']; status?: number }): IntrospectionValidationReport => ({
    endpoint: config.endpoint,
    clientId: config.clientId,
    authMethod: config.clientAuthentication.method,
    reachable: facts.reachable,
    tls: facts.tls,
    ...(facts.status === undefined || tenant ? {} : { httpStatus: facts.status }),
    outcome,
    problems: problem === undefined ? [] : [problem],
    warnings,
    ok: outcome === 'healthy',
    checkedAt: now().toISOString(),
  })
  const plainTls = url.protocol === 'http:' ? 'not_applicable' : 'not_checked'

  let policy: AddressPolicy | undefined
  if (input.addressPolicy !== undefined) {
    const checked = checkAddressPolicy(input.addressPolicy, 'addressPolicy')
    if (!checked.ok) return finish('address_not_allowed', 'the address policy is invalid', { reachable: false, tls: plainTls })
    policy = checked.policy
  }
  let auth
  try {
    auth = await clientAuthenticationFor(config.clientAuthentication, {
      clientId: config.clientId,
      issuer: input.issuer,
      endpoint: config.endpoint,
      audience: config.endpoint,
      now: now().getTime(),
    })
  } catch {
    return finish('not_prepared', 'the client authentication could not be prepared (check the private key or certificate)', { reachable: false, tls: plainTls })
  }
  const form = new URLSearchParams({ token: randomOpaqueString(), token_type_hint: 'access_token', ...auth.form })
  let response
  try {
    response = await input.httpPost({
      url,
      timeoutMs: input.timeoutMs ?? 5000,
      maxBytes: 65_536,
      certificateValidation,
      trustedCertificates: input.trustedCertificates,
      addressPolicy: policy,
      ...(input.trustMode === undefined ? {} : { trustMode: input.trustMode }),
      ...(input.proxy === undefined ? {} : { proxy: new URL(input.proxy) }),
      headers: { ...auth.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      clientCertificate: auth.tls,
    })
  } catch (cause) {
    const kind = cause instanceof HttpGetFailure ? cause.kind : 'network'
    const outcome: IntrospectionCheckOutcome = kind === 'tls' ? 'tls_failed' : kind === 'address_not_allowed' ? 'address_not_allowed' : 'unreachable'
    const words = unreachableWords[kind] ?? 'the introspection endpoint is unreachable'
    const detail = tenant || !(cause instanceof Error) ? '' : ` (${cause.message})`
    return finish(outcome, `${words}${detail}`, { reachable: false, tls: kind === 'tls' ? 'failed' : plainTls })
  }
  const tls = url.protocol === 'http:' ? 'not_applicable' : certificateValidation ? 'ok' : 'not_checked'
  const { status } = response
  const facts = { reachable: true, tls, status } as const
  const shown = tenant ? `${Math.floor(status / 100)}xx` : String(status)
  if (status === 401 || status === 403) {
    return finish('credentials_refused', 'the authorization server refused tokenward\'s client ID or credentials: check Client ID, Client Credentials Type and the secret, key or certificate', facts)
  }
  if (status >= 500 || status === 429) return finish('server_error', `the introspection endpoint answered HTTP ${shown}; try again later`, facts)
  if (status !== 200) return finish('unexpected_answer', `the introspection endpoint answered HTTP ${shown}; an introspection endpoint answers 200`, facts)
  const parsed = parseIntrospectionBody(response.body)
  if (!parsed.ok) return finish('unexpected_answer', 'the answer is not an introspection response (a JSON object with "active" true or false)', facts)
  const active = parsed.value.active
  if (active === true) return finish('active_for_random_token', 'the authorization server called a random string an active token: it is broken, or this is not its introspection endpoint', facts)
  if (active !== false) return finish('unexpected_answer', 'the answer is not an introspection response ("active" must be true or false)', facts)
  return finish('healthy', undefined, facts)
}

/** 32 random bytes, base64url: a string no authorization server can have issued. */
function randomOpaqueString(): string {
  return `tokenward-validate-${encodeBase64Url(crypto.getRandomValues(new Uint8Array(32)))}`
}
