/**
 * The client-credentials token client (RFC 6749 §4.4): one per client identity. It finds the
 * token endpoint (given, or by RFC 8414 discovery), authenticates exactly as `@tokenward/core`'s
 * `clientAuthenticationFor` does, caches one token per (scope, resource), refreshes early with one
 * request in flight, rides out brief outages on the current token, retries 5xx/429 with bounded
 * jittered backoff, and can bind its tokens to a DPoP key.
 *
 * @module
 */
import {
  ConfigError,
  clientAuthenticationFor,
  createDiscoveryClient,
  defineClientAuthentication,
  discoveredEndpoint,
  HttpGetFailure,
  isLoopbackHost,
  platformHttpGet,
  platformHttpPost,
  usesMutualTls,
  type ClientAuthentication,
  type ConfigIssue,
  type DiscoveryClient,
  type HttpGetResponse,
  type HttpPost,
} from '@tokenward/core'
import { createDpopProofSigner, type DpopKeyPair, type DpopProofSigner } from './dpop-proof.ts'
import { ApiOriginRefusedError, TokenEndpointUnavailableError, TokenRequestRejectedError, type TokenEndpointFailureKind } from './errors.ts'
import { defaultRetryPolicy, isRetryableStatus, nextRetryDelayMs, parseRetryAfter, type RetryPolicy } from './retry-policy.ts'
import { readTokenAnswer, type AccessToken } from './token-response.ts'

/**
 * Something a token client did, for logs and metrics. Never carries a token, a secret or an
 * assertion.
 *
 * @example
 * ```ts
 * const onEvent = (e: TokenClientEvent) => console.log(e.type, e.scope ?? '', 'reason' in e ? e.reason : '')
 * ```
 */
export type TokenClientEvent =
  | { readonly type: 'token_obtained'; readonly scope: string | undefined; readonly resource: readonly string[]; readonly expiresAt: number; readonly tokenType: 'Bearer' | 'DPoP' }
  | { readonly type: 'token_request_retry'; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'stale_token_served'; readonly scope: string | undefined; readonly expiresAt: number; readonly reason: string }
  | { readonly type: 'token_dropped'; readonly scope: string | undefined; readonly reason: 'invalid_token' }

/**
 * Options of {@link createTokenClient}; checked when the client is built (a `ConfigError` names
 * every bad field by path).
 *
 * @example
 * ```ts
 * const options: TokenClientOptions = {
 *   issuer: 'https://auth.example.com',
 *   clientId: 'reporting',
 *   clientAuthentication: { method: 'private_key_jwt', privateKey: privateJwk },
 *   scope: 'zscloud::12345::ReadOnly',
 *   dpop: true,
 * }
 * ```
 */
export interface TokenClientOptions {
  /**
   * The authorization server's issuer identifier: the default `aud` of `private_key_jwt`
   * assertions, and, without `tokenEndpoint`, where the token endpoint is discovered (RFC 8414,
   * then OpenID Connect; `mtls_endpoint_aliases` used with the TLS methods).
   */
  readonly issuer?: string | undefined
  /** The token endpoint; when given, nothing is discovered. */
  readonly tokenEndpoint?: string | undefined
  /** Our client identifier at the authorization server. */
  readonly clientId: string
  /** How we authenticate: exactly `@tokenward/core`'s `defineClientAuthentication` shapes (built or as JSON). */
  readonly clientAuthentication: ClientAuthentication | Readonly<Record<string, unknown>>
  /** Default `scope` of token requests (space-separated values); none when absent. */
  readonly scope?: string | undefined
  /** Default RFC 8707 `resource` indicators (absolute URIs without fragment). */
  readonly resource?: string | readonly string[] | undefined
  /**
   * DPoP (RFC 9449): `true` binds tokens to a fresh non-extractable ES256 key made for this
   * client; a {@link DpopKeyPair} uses that key. The client then insists on `token_type: DPoP`.
   * Default: Bearer tokens.
   */
  readonly dpop?: boolean | DpopKeyPair | undefined
  /**
   * Used for the API calls of {@link TokenClient.fetch}, and for token and discovery requests
   * too (then it owns TLS: mutual TLS needs the runtime's own client, so leave it out for the TLS
   * methods on Node). Default: the global `fetch` for API calls, `@tokenward/core`'s HTTP seam for
   * the authorization server.
   */
  readonly fetch?: typeof fetch | undefined
  /**
   * The only origins {@link TokenClient.fetch} sends tokens to (`'https://api.example.com'`); a
   * call elsewhere is refused before anything is sent (`ApiOriginRefusedError`). Without it,
   * `fetch` sends no token anywhere: list your APIs, or opt out explicitly with `'any'` (any
   * `https:` origin). Plain `http:` is refused always, except to loopback hosts. `getToken` does
   * not need it.
   */
  readonly apiOrigins?: readonly string[] | 'any' | undefined
  /** Extra CA certificates (PEM) trusted for the authorization server, for a private CA. */
  readonly trustedCertificates?: readonly string[] | undefined
  /** Timeout of one token or discovery request. Default 10000 ms. */
  readonly timeoutMs?: number | undefined
  /** Refresh a token this long before it expires (at most half its lifetime). Default 60 s. */
  readonly earlyRefreshSeconds?: number | undefined
  /** Lifetime assumed when the server sends no `expires_in`. Default 300 s. */
  readonly defaultLifetimeSeconds?: number | undefined
  /** Retries of 5xx, 429 and transport failures. Default {@link defaultRetryPolicy}. */
  readonly retry?: Partial<RetryPolicy> | undefined
  /** Receives {@link TokenClientEvent}s; a callback that throws is ignored. */
  readonly onEvent?: ((event: TokenClientEvent) => void) | undefined
  /** Current time, ms since the epoch. Default `Date.now`. */
  readonly clock?: (() => number) | undefined
  /** Waits between retries. Default `setTimeout`. */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined
  /** Jitter source in [0, 1). Default `Math.random`. */
  readonly random?: (() => number) | undefined
}

/**
 * Which token to get: the client's default scope and resource unless named here.
 *
 * @example
 * ```ts
 * await client.getToken({ scope: 'zscloud::12345::Admin' })
 * ```
 */
export interface GetTokenOptions {
  readonly scope?: string | undefined
  readonly resource?: string | readonly string[] | undefined
  /** Ask the server for a new token even when a cached one is fresh. */
  readonly forceRefresh?: boolean | undefined
}

/**
 * A token client.
 *
 * @example
 * ```ts
 * const client = createTokenClient({ issuer, clientId, clientAuthentication, apiOrigins: ['https://api.example.com'] })
 * const response = await client.fetch('https://api.example.com/orders')
 * ```
 */
export interface TokenClient {
  /**
   * A valid access token for (scope, resource), cached. Rejects with `TokenRequestRejectedError`
   * when the server refuses, `TokenEndpointUnavailableError` when no token can be had, and core's
   * `ClientAuthenticationFailure` when the credentials cannot be used (a key this runtime cannot
   * import, an endpoint that is not `https:`).
   */
  getToken(options?: GetTokenOptions): Promise<AccessToken>
  /**
   * `fetch` with the token attached (`Authorization: Bearer …`, or `DPoP …` with a `DPoP` proof
   * carrying `htm`, `htu`, `ath` and the API's nonce). A 401 `invalid_token` drops that token and
   * the call is made once more with a new one; a 401 `use_dpop_nonce` is answered once with the
   * nonce the API sent. Every other answer is returned as it is, redirects included (they are
   * never followed with the token attached: the request goes out with `redirect: 'manual'`).
   * Rejects with an `ApiOriginRefusedError`, before anything is sent, for a plain `http:` URL
   * (other than loopback), an origin outside `apiOrigins`, or any origin when `apiOrigins` was not
   * given.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  /** The DPoP public key's JWK when the client uses DPoP (e.g. to register it), else `undefined`. */
  dpopPublicKey(): Promise<Readonly<JsonWebKey> | undefined>
}

interface Entry {
  token: AccessToken | undefined
  refreshAt: number
  retryNotBefore: number
  /** The last failure while no token was held, repeated to callers until `until`. */
  failure: { readonly error: unknown; readonly until: number } | undefined
  inFlight: Promise<AccessToken> | undefined
}

const printable = /^[\x21-\x7e]+$/
const scopeShape = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/

const httpsOrLoopback = (value: unknown): string | undefined => {
  if (typeof value !== 'string' || !URL.canParse(value)) return 'must be an absolute URL'
  const url = new URL(value)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) return 'must use https (plain http only for loopback hosts)'
  if (url.hash !== '' || url.username !== '' || url.password !== '') return 'must have no fragment or credentials'
  return undefined
}

const resourceList = (value: string | readonly string[] | undefined): readonly string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : value)

const checkResources = (value: unknown, path: string, issues: ConfigIssue[]): void => {
  if (value === undefined) return
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined
  if (list === undefined) return void issues.push({ path, message: 'must be an absolute URI or a list of them' })
  list.forEach((r, i) => {
    if (typeof r !== 'string' || !URL.canParse(r) || new URL(r).hash !== '') issues.push({ path: typeof value === 'string' ? path : `${path}[${i}]`, message: 'must be an absolute URI without fragment (RFC 8707)' })
  })
}

function checkOptions(options: TokenClientOptions): { issues: ConfigIssue[]; auth: ClientAuthentication | undefined } {
  const issues: ConfigIssue[] = []
  const issue = (path: string, message: string): void => void issues.push({ path, message })
  if (typeof options !== 'object' || options === null) return { issues: [{ path: '', message: 'must be an options object' }], auth: undefined }
  if (options.issuer === undefined && options.tokenEndpoint === undefined) issue('tokenEndpoint', 'give tokenEndpoint, or issuer to discover it')
  if (options.issuer !== undefined) {
    const problem = httpsOrLoopback(options.issuer)
    if (problem !== undefined) issue('issuer', problem)
    else if (new URL(options.issuer).search !== '') issue('issuer', 'must have no query (an issuer identifier)')
  }
  if (options.tokenEndpoint !== undefined) {
    const problem = httpsOrLoopback(options.tokenEndpoint)
    if (problem !== undefined) issue('tokenEndpoint', problem)
  }
  if (typeof options.clientId !== 'string' || !printable.test(options.clientId.replaceAll(' ', '_'))) issue('clientId', 'must be a non-empty printable ASCII string')
  const defined = defineClientAuthentication(options.clientAuthentication, 'clientAuthentication')
  const auth = defined.ok ? defined.value : undefined
  if (!defined.ok) issues.push(...defined.error)
  if (auth?.method === 'private_key_jwt' && auth.assertionAudience === 'issuer' && options.issuer === undefined) {
    issue('issuer', "is needed as the client assertion's audience (or set clientAuthentication.assertionAudience to 'token_endpoint')")
  }
  if (options.scope !== undefined && (typeof options.scope !== 'string' || !scopeShape.test(options.scope))) issue('scope', 'must be scope values separated by single spaces (RFC 6749 §3.3)')
  checkResources(options.resource, 'resource', issues)
  const dpop = options.dpop
  if (dpop !== undefined && typeof dpop !== 'boolean') {
    if (typeof dpop !== 'object' || dpop === null || !(dpop.privateKey instanceof CryptoKey) || !(dpop.publicKey instanceof CryptoKey)) issue('dpop', 'must be true, false or a key pair { alg, privateKey, publicKey } of CryptoKeys')
    else if (!['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'RS256'].includes(dpop.alg)) issue('dpop.alg', 'must be ES256, ES384, ES512, EdDSA, PS256 or RS256')
  }
  const positive = (path: string, value: unknown, integer = false): void => {
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))) issue(path, `must be a positive ${integer ? 'integer' : 'number'}`)
  }
  positive('timeoutMs', options.timeoutMs)
  positive('defaultLifetimeSeconds', options.defaultLifetimeSeconds)
  if (options.earlyRefreshSeconds !== undefined && (typeof options.earlyRefreshSeconds !== 'number' || !(options.earlyRefreshSeconds >= 0))) issue('earlyRefreshSeconds', 'must be a number ≥ 0')
  if (options.retry !== undefined) {
    positive('retry.maxAttempts', options.retry.maxAttempts, true)
    if (options.retry.maxAttempts !== undefined && options.retry.maxAttempts > 10) issue('retry.maxAttempts', 'must be at most 10')
    positive('retry.baseDelayMs', options.retry.baseDelayMs)
    positive('retry.maxDelayMs', options.retry.maxDelayMs)
    if (options.retry.maxRetryAfterSeconds !== undefined && !(options.retry.maxRetryAfterSeconds >= 0)) issue('retry.maxRetryAfterSeconds', 'must be a number ≥ 0')
  }
  for (const name of ['fetch', 'onEvent', 'clock', 'sleep', 'random'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') issue(name, 'must be a function')
  }
  if (options.apiOrigins !== undefined && options.apiOrigins !== 'any') {
    if (!Array.isArray(options.apiOrigins)) issue('apiOrigins', "must be a list of origins, or 'any'")
    else {
      options.apiOrigins.forEach((o: unknown, i) => {
        if (typeof o !== 'string' || httpsOrLoopback(o) !== undefined || new URL(o).origin !== o) issue(`apiOrigins[${i}]`, "must be an https origin such as 'https://api.example.com' (no path or trailing slash)")
      })
    }
  }
  if (options.trustedCertificates !== undefined && (!Array.isArray(options.trustedCertificates) || options.trustedCertificates.some((c) => typeof c !== 'string'))) {
    issue('trustedCertificates', 'must be a list of PEM certificates')
  }
  return { issues, auth }
}

/** The `error` values of a `WWW-Authenticate` field (all challenges). */
const challengeErrors = (header: string | null): readonly string[] =>
  header === null ? [] : [...header.matchAll(/(?:^|[\s,])error\s*=\s*"?([A-Za-z0-9_]+)"?/g)].map((m) => m[1] as string)

const failureKind = (e: HttpGetFailure): TokenEndpointFailureKind =>
  e.kind === 'timeout' ? 'timeout' : e.kind === 'too_large' ? 'too_large' : e.kind === 'unsupported' ? 'unsupported' : 'network'

/**
 * Creates a token client. Options are checked now; nothing is fetched until the first token is
 * needed.
 *
 * Caching: one token per (scope, resource); it is renewed `earlyRefreshSeconds` before it expires,
 * with one request in flight however many callers wait. When renewal fails because the server is
 * unreachable or answers 5xx/429, the current token keeps being served until its own expiry, with
 * a pause between renewal attempts; with no token to serve, a failure is repeated to callers for
 * a moment (`Retry-After`, else 5 × `retry.baseDelayMs`). With no usable token, 5xx, 429 and transport failures are
 * retried up to `retry.maxAttempts` times, waiting `Retry-After` when the server gives one (up to
 * `retry.maxRetryAfterSeconds`) or a jittered doubling backoff. A refusal (400/401) is never
 * retried, except once for `use_dpop_nonce` with the server's nonce. DPoP nonces are remembered
 * per origin, for the authorization server and the APIs alike.
 *
 * @example
 * ```ts
 * import { createTokenClient } from '@tokenward/client'
 *
 * const client = createTokenClient({
 *   issuer: 'https://auth.example.com',
 *   clientId: 'reporting',
 *   clientAuthentication: { method: 'client_secret_basic', clientSecret: process.env.CLIENT_SECRET! },
 *   scope: 'zscloud::12345::ReadOnly',
 *   dpop: true,
 *   apiOrigins: ['https://api.example.com'],
 * })
 * const orders = await client.fetch('https://api.example.com/orders').then((r) => r.json())
 * ```
 */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  const { issues, auth: checkedAuth } = checkOptions(options)
  if (issues.length > 0 || checkedAuth === undefined) throw new ConfigError(issues)
  const auth = checkedAuth
  const clock = options.clock ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const random = options.random ?? Math.random
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...Object.fromEntries(Object.entries(options.retry ?? {}).filter(([, v]) => v !== undefined)) }
  const timeoutMs = options.timeoutMs ?? 10_000
  const earlyRefreshMs = (options.earlyRefreshSeconds ?? 60) * 1000
  const defaultLifetimeSeconds = options.defaultLifetimeSeconds ?? 300
  const apiFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init))
  const httpPost: HttpPost = platformHttpPost(options.fetch)
  const mutualTls = usesMutualTls(auth)
  const discovery: DiscoveryClient | undefined =
    options.tokenEndpoint === undefined && options.issuer !== undefined
      ? createDiscoveryClient({ issuer: options.issuer, discovery: true, httpGet: platformHttpGet(options.fetch), clock: { now: clock }, timeoutMs, trustedCertificates: options.trustedCertificates })
      : undefined
  const dpopOption = options.dpop
  let signer: Promise<DpopProofSigner> | undefined
  const dpopSigner = (): Promise<DpopProofSigner> | undefined => {
    if (dpopOption === undefined || dpopOption === false) return undefined
    return (signer ??= createDpopProofSigner(dpopOption === true ? undefined : dpopOption))
  }
  /** The last `DPoP-Nonce` each origin sent (authorization server and APIs). */
  const nonces = new Map<string, string>()
  const entries = new Map<string, Entry>()

  const emit = (event: TokenClientEvent): void => {
    try {
      options.onEvent?.(event)
    } catch {
      // An observer never changes the outcome.
    }
  }
  const rememberNonce = (url: string, value: string | null): void => {
    if (value !== null && /^[\x21\x23-\x5b\x5d-\x7e]{1,512}$/.test(value)) nonces.set(new URL(url).origin, value)
  }

  const tokenEndpoint = async (): Promise<string> => {
    if (options.tokenEndpoint !== undefined) return options.tokenEndpoint
    let endpoint: string | undefined
    try {
      endpoint = discoveredEndpoint(await discovery!.metadata(), 'token_endpoint', mutualTls)
    } catch (cause) {
      throw new TokenEndpointUnavailableError(`The authorization server metadata could not be read: ${(cause as Error).message}`, 'discovery', undefined, { cause })
    }
    if (endpoint === undefined) throw new TokenEndpointUnavailableError('The authorization server metadata names no token_endpoint', 'discovery', undefined)
    if (httpsOrLoopback(endpoint) !== undefined) throw new TokenEndpointUnavailableError('The discovered token_endpoint is not an https URL', 'discovery', undefined)
    return endpoint
  }

  /** One token request, with the bounded retries when `patient`. */
  const requestToken = async (scope: string | undefined, resource: readonly string[], patient: boolean): Promise<AccessToken> => {
    const endpoint = await tokenEndpoint()
    const origin = new URL(endpoint).origin
    const dpop = dpopSigner()
    let nonceRetried = false
    for (let attempt = 1; ; attempt += 1) {
      const now = clock()
      const parts = await clientAuthenticationFor(auth, { clientId: options.clientId, issuer: options.issuer, endpoint, now })
      const form = new URLSearchParams({ grant_type: 'client_credentials' })
      if (scope !== undefined) form.set('scope', scope)
      for (const r of resource) form.append('resource', r)
      for (const [name, value] of Object.entries(parts.form)) form.set(name, value)
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...parts.headers }
      if (dpop !== undefined) headers.dpop = await (await dpop).sign({ method: 'POST', url: endpoint, nonce: nonces.get(origin), now: Math.floor(now / 1000) })
      let failure: TokenEndpointUnavailableError
      let response: HttpGetResponse | undefined
      try {
        response = await httpPost({
          url: new URL(endpoint),
          timeoutMs,
          maxBytes: 64 * 1024,
          certificateValidation: true,
          trustedCertificates: options.trustedCertificates,
          headers,
          body: form.toString(),
          clientCertificate: parts.tls,
        })
      } catch (cause) {
        const e = cause instanceof HttpGetFailure ? cause : new HttpGetFailure('network', 'network error', { cause })
        failure = new TokenEndpointUnavailableError(`The token endpoint could not be reached (${e.kind}): ${e.message}`, failureKind(e), undefined, { cause })
      }
      if (response !== undefined) {
        if (dpop !== undefined) rememberNonce(endpoint, response.headers.get('dpop-nonce'))
        const answer = readTokenAnswer(response.status, response.body, clock(), defaultLifetimeSeconds)
        const retryAfter = parseRetryAfter(response.headers.get('retry-after'), clock())
        if (answer.kind === 'token') {
          const bound = answer.token.tokenType === 'DPoP'
          if (bound !== (dpop !== undefined)) {
            throw new TokenEndpointUnavailableError(
              bound ? 'The server issued a DPoP-bound token although no DPoP proof was sent' : 'DPoP was asked for, but the server issued a Bearer token (it does not support DPoP)',
              'unsupported',
              undefined,
            )
          }
          return answer.token
        }
        if (answer.kind === 'error') {
          if (answer.error === 'use_dpop_nonce' && dpop !== undefined && !nonceRetried && response.headers.get('dpop-nonce') !== null) {
            nonceRetried = true
            attempt -= 1 // answering a nonce challenge is not a failed attempt
            continue
          }
          throw new TokenRequestRejectedError(`The token request was refused: ${answer.error ?? 'no error code'}${answer.description === undefined ? '' : ` (${answer.description})`}`, response.status, answer.error, answer.description)
        }
        if (!isRetryableStatus(response.status)) {
          if (response.status >= 400 && response.status < 500) throw new TokenRequestRejectedError(`The token request was refused with HTTP ${response.status}`, response.status, undefined, undefined)
          throw new TokenEndpointUnavailableError(`The token endpoint's answer is unusable: ${answer.reason}`, 'invalid_response', undefined)
        }
        failure = new TokenEndpointUnavailableError(`The token endpoint answered HTTP ${response.status}`, 'http_status', retryAfter)
      }
      const delay = patient ? nextRetryDelayMs(policy, attempt, failure!.retryAfterSeconds, random) : undefined
      if (delay === undefined) throw failure!
      emit({ type: 'token_request_retry', attempt, delayMs: delay, reason: failure!.message })
      await sleep(delay)
    }
  }

  const keyOf = (scope: string | undefined, resource: readonly string[]): string => JSON.stringify([scope ?? null, [...resource].sort()])

  const getToken = (request: GetTokenOptions = {}): Promise<AccessToken> => {
    const scope = request.scope ?? options.scope
    const resource = request.resource === undefined ? resourceList(options.resource) : resourceList(request.resource)
    const key = keyOf(scope, resource)
    let entry = entries.get(key)
    if (entry === undefined) entries.set(key, (entry = { token: undefined, refreshAt: 0, retryNotBefore: 0, failure: undefined, inFlight: undefined }))
    const held = entry
    const now = clock()
    if (request.forceRefresh !== true && held.token !== undefined && now < held.refreshAt) return Promise.resolve(held.token)
    if (held.inFlight !== undefined) return held.inFlight
    const current = held.token !== undefined && now < held.token.expiresAt ? held.token : undefined
    if (request.forceRefresh !== true && current !== undefined && now < held.retryNotBefore) return Promise.resolve(current)
    // Just failed with no token to serve: the same answer for a moment, not a new request per caller.
    if (current === undefined && held.failure !== undefined && now < held.failure.until) return Promise.reject(held.failure.error)
    const flight = requestToken(scope, resource, current === undefined)
      .then((token) => {
        const lifetime = token.expiresAt - clock()
        held.token = token
        held.refreshAt = token.expiresAt - Math.min(earlyRefreshMs, lifetime / 2)
        held.retryNotBefore = 0
        held.failure = undefined
        emit({ type: 'token_obtained', scope, resource, expiresAt: token.expiresAt, tokenType: token.tokenType })
        return token
      })
      .catch((error: unknown) => {
        const at = clock()
        if (error instanceof TokenEndpointUnavailableError && current !== undefined && held.token === current && at < current.expiresAt) {
          // Ride out the outage on the current token; pause renewals for a while.
          held.retryNotBefore = at + (error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : policy.maxDelayMs)
          emit({ type: 'stale_token_served', scope, expiresAt: current.expiresAt, reason: error.message })
          return current
        }
        if (error instanceof TokenRequestRejectedError) held.token = undefined
        if (held.token === undefined || at >= held.token.expiresAt) {
          const pause = error instanceof TokenEndpointUnavailableError && error.retryAfterSeconds !== undefined ? error.retryAfterSeconds * 1000 : policy.baseDelayMs * 5
          held.failure = { error, until: at + pause }
        }
        throw error
      })
      .finally(() => {
        held.inFlight = undefined
      })
    held.inFlight = flight
    return flight
  }

  /** Forgets `token` (the API refused it), unless it was already replaced. */
  const drop = (token: AccessToken): void => {
    for (const entry of entries.values()) {
      if (entry.token === token) {
        entry.token = undefined
        entry.refreshAt = 0
        entry.retryNotBefore = 0
        emit({ type: 'token_dropped', scope: token.scope, reason: 'invalid_token' })
      }
    }
  }

  const send = async (original: Request, token: AccessToken): Promise<Response> => {
    const headers = new Headers(original.headers)
    headers.set('authorization', `${token.tokenType} ${token.accessToken}`)
    const dpop = token.tokenType === 'DPoP' ? dpopSigner() : undefined
    if (dpop !== undefined) {
      const nonce = nonces.get(new URL(original.url).origin)
      headers.set('dpop', await (await dpop).sign({ method: original.method, url: original.url, accessToken: token.accessToken, nonce, now: Math.floor(clock() / 1000) }))
    } else headers.delete('dpop')
    // Never follow a redirect with the token attached: the 3xx comes back to the caller as it is
    // (an injected fetch gets a Request that says so too).
    const response = await apiFetch(new Request(original.clone(), { headers, redirect: original.redirect === 'error' ? 'error' : 'manual' }))
    if (dpop !== undefined) rememberNonce(original.url, response.headers.get('dpop-nonce'))
    return response
  }

  return {
    getToken,
    async fetch(input, init) {
      const original = new Request(input, init)
      const target = new URL(original.url)
      if (target.protocol !== 'https:' && !(target.protocol === 'http:' && isLoopbackHost(target.hostname))) {
        throw new ApiOriginRefusedError(`TokenClient.fetch sends access tokens over https only (plain http to loopback hosts), not to ${target.protocol}//${target.host}`, 'insecure_transport', target.origin)
      }
      if (options.apiOrigins === undefined) {
        throw new ApiOriginRefusedError("TokenClient.fetch sends access tokens only to the origins listed in apiOrigins, and none were given (list them, or set apiOrigins: 'any' to allow every https origin)", 'no_api_origins', target.origin)
      }
      if (options.apiOrigins !== 'any' && !options.apiOrigins.includes(target.origin)) {
        throw new ApiOriginRefusedError(`TokenClient.fetch sends access tokens only to apiOrigins; ${target.origin} is not one of them`, 'origin_not_allowed', target.origin)
      }
      let token = await getToken()
      let response = await send(original, token)
      let nonceRetried = false
      let tokenRetried = false
      while (response.status === 401) {
        const errors = challengeErrors(response.headers.get('www-authenticate'))
        if (errors.includes('use_dpop_nonce') && token.tokenType === 'DPoP' && !nonceRetried && response.headers.get('dpop-nonce') !== null) {
          nonceRetried = true
        } else if (errors.includes('invalid_token') && !tokenRetried) {
          tokenRetried = true
          drop(token)
          token = await getToken()
        } else break
        await response.body?.cancel()
        response = await send(original, token)
      }
      return response
    },
    async dpopPublicKey() {
      const dpop = dpopSigner()
      return dpop === undefined ? undefined : (await dpop).publicJwk
    },
  }
}
