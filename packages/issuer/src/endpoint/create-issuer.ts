/**
 * The issuer: a `Request → Response` handler serving the client_credentials token endpoint
 * (RFC 6749 §4.4, RFC 7523 client assertions, RFC 8707 resources), the JWKS and the RFC 8414
 * metadata. Runtime-neutral: Web standards and `@tokenward/core` only.
 *
 * @module
 */
import {
  isApiResourceTable,
  type ApiResourceTable,
  ConfigError,
  createDpopKeyMemo,
  createDpopNonces,
  isUnavailableError,
  isVerificationError,
  parseApiRole,
  platformSignatureProvider,
  ReplayStoreFullError,
  ReplayUnavailableError,
  StoreUnavailableError,
  supportedAlgorithms,
  validateDpopConfig,
  verifyDpopProof,
  type ConfigIssue,
  type DpopConfig,
  type DpopInput,
  type DpopNonces,
  type JwksOptions,
  type OrganizationAccess,
  type UnavailableError,
} from '@tokenward/core'
import { encodeBase64Url, parseCompactJws } from '@tokenward/core/jose'
import { createDefaultSecretHasher, createKeyedDigest } from '#issuer-platform'
import type { ApiClient } from '../client/api-client.ts'
import type { ClientStore } from '../client/client-store.ts'
import { createInMemorySigningKeyStore, type SigningKeyStore } from '../keys/signing-key-store.ts'
import { signJwt } from '../keys/sign-jwt.ts'
import { createInMemoryReplayStore, type ReplayStore } from '../replay/replay-store.ts'
import type { SecretHash, SecretHasher } from '../secret/secret-hasher.ts'
import { createCurrentApiRoles } from './current-roles.ts'
import { checkThrottleOptions, createAuthThrottle, type FailedAuthenticationThrottleOptions } from './auth-throttle.ts'
import { CertificateValidityError, createClientVerifiers } from './client-verifier.ts'
import { readForm } from './form-body.ts'
import { fromWebRequest, toWebResponse, type IssuerHttpAnswer, type IssuerHttpRequest } from '../http/issuer-http.ts'
import { narrowRolesToResources } from './resource-scope.ts'
import { createVerifiedSecretCache } from './verified-secret-cache.ts'
import { isTokenEndpointError, TokenEndpointError, type TokenErrorCode } from './token-error.ts'

/**
 * How a client authenticated (or tried to) at the token endpoint.
 *
 * @example
 * ```ts
 * const method: ClientAuthMethod = 'private_key_jwt'
 * ```
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

/**
 * One token request, for the audit trail: never a secret, an assertion or a token.
 *
 * @example
 * ```ts
 * const onEvent = (e: TokenRequestEvent) => console.log(e.at, e.clientId, e.method, e.outcome, e.error ?? e.grantedScope)
 * ```
 */
export interface TokenRequestEvent {
  readonly type: 'token_request'
  /** When the request was decided, ms since the epoch. */
  readonly at: number
  readonly orgId: string
  /** The client the request named (also when it failed to authenticate); `undefined` when none could be read. */
  readonly clientId: string | undefined
  readonly method: ClientAuthMethod | undefined
  readonly outcome: 'issued' | 'rejected' | 'unavailable'
  /** The OAuth error sent back, for `rejected` and `unavailable` (`temporarily_unavailable`). */
  readonly error?: TokenErrorCode | 'temporarily_unavailable'
  /** Why, in words safe to log. */
  readonly reason?: string
  /** The scope granted, for `issued`. */
  readonly grantedScope?: string
  /** The token's audience, for `issued`. */
  readonly audience?: readonly string[]
  /** The token's `jti`, for `issued` (to correlate with API logs). */
  readonly tokenId?: string
  /** For `issued`: `DPoP` when the token is bound to the client's DPoP key (`cnf.jkt`), else `Bearer`. */
  readonly tokenType?: 'Bearer' | 'DPoP'
}

/**
 * Options of {@link createIssuer}; checked when the issuer is built.
 *
 * @example
 * ```ts
 * const options: IssuerOptions = {
 *   issuer: 'https://auth.example.com',
 *   organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] },
 *   clients: createInMemoryClientStore(),
 *   resources: ['https://api.example.com/'],
 * }
 * ```
 */
export interface IssuerOptions {
  /** The issuer identifier (`iss`), an absolute `https:` URL (`http:` only on loopback) without query or fragment. */
  readonly issuer: string
  /**
   * The organization whose API clients this issuer serves, and whose API roles its tokens carry.
   * When `clients` has `apiRolesOf` (as `createOrganizationClientStore` does), the roles and their
   * categories are read from it on every token request instead, so later changes take effect.
   */
  readonly organization: OrganizationAccess
  /** Where the organization's API clients are registered. */
  readonly clients: ClientStore
  /** Signing keys. Default: an in-memory store with one generated ES256 key. */
  readonly signingKeys?: SigningKeyStore | undefined
  /** Single use of client-assertion `jti`s. Default: in memory (one process). */
  readonly replayStore?: ReplayStore | undefined
  /** Checks client secrets. Default: scrypt on Node, PBKDF2-SHA-256 elsewhere. */
  readonly secretHasher?: SecretHasher | undefined
  /**
   * RFC 8707 resource indicators a client may ask for; each requested `resource` must be listed
   * (else `invalid_target`) and becomes the token's `aud`. Default: none.
   */
  readonly resources?: readonly string[] | undefined
  /**
   * The API resource table (`defineApiResources`, the same one the API's routes use): each
   * requested `resource` is mapped to the API resource categories its URL serves, and the token
   * gets only the roles that grant them (`invalid_target` for a resource the table does not map,
   * `invalid_scope` when a requested role grants none of them or no role grants one). Needs
   * `organization.apiRoleCategories`. Default: none (resources only set `aud`).
   */
  readonly apiResources?: ApiResourceTable | undefined
  /** `aud` of a token requested without `resource`. Default: the issuer identifier. */
  readonly defaultAudience?: string | undefined
  /** Lifetime of access tokens, 60–86400 s. Default 600. */
  readonly accessTokenLifetimeSeconds?: number | undefined
  /**
   * Also accept the token endpoint URL as a client assertion's `aud` (older clients send it).
   * Default `false`: only the issuer identifier (RFC 7523bis).
   */
  readonly allowTokenEndpointAudience?: boolean | undefined
  /** Latest `exp` a client assertion may carry, seconds ahead of now, 10–300. Default 300. */
  readonly maxAssertionLifetimeSeconds?: number | undefined
  /** Leeway for assertion times, 0–300 s. Default 30. */
  readonly clockToleranceSeconds?: number | undefined
  /** Largest request body accepted, bytes. Default 16384. */
  readonly maxBodyBytes?: number | undefined
  /**
   * How clients' JWKS URLs are fetched (core's JWKS options). `addressPolicy` defaults to the strict
   * tenant policy `{}` (https to public addresses only); `null` opts out (your own configuration).
   */
  readonly clientJwks?: JwksOptions | undefined
  /**
   * Successful secret checks remembered for a short while, so a client reusing its secret does not
   * pay the slow hash (one scrypt check costs tens of milliseconds of CPU) on each request. Only an
   * HMAC-SHA-256 of client ID, secret and stored hash is kept, under a random key made when the
   * issuer starts (never the secret, nothing testable offline), in memory; entries expire after
   * `maxAgeSeconds` (1–3600, default 300), at most `maxEntries` (default 1000, oldest dropped
   * first); a rotation that removes the matched hash makes its entry useless at once, and a client
   * found disabled, deleted or on another method has its entries dropped. On by default: without
   * it every secret request costs a full hash, which caps throughput and lets anyone holding one
   * secret burn the issuer's CPU. `false` turns it off.
   */
  readonly verifiedSecretCache?: { readonly maxEntries?: number; readonly maxAgeSeconds?: number } | false | undefined
  /**
   * DPoP at the token endpoint (RFC 9449 §5), as core's `dpop` section: `mode` `'enabled'` (the
   * default) binds a token to the key of a valid `DPoP` proof (`cnf.jkt`, `token_type: DPoP`) and
   * issues Bearer tokens otherwise; `'required'` refuses requests without a proof; `'off'` (or
   * `false`) refuses any `DPoP` header. `requireNonce` with `nonceSecret` makes clients use a
   * server nonce (`use_dpop_nonce`). Proof `jti`s are single use through `replayStore`.
   */
  readonly dpop?: DpopInput | false | undefined
  /**
   * Refuse a client ID for a while after repeated failed authentications (429 with `Retry-After`,
   * no key or secret checked meanwhile). Off by default: anyone who knows a client ID could
   * otherwise lock that client out; turn it on where that trade is right for you.
   */
  readonly failedAuthenticationThrottle?: FailedAuthenticationThrottleOptions | false | undefined
  /** Receives one event per token request. Must not throw (errors are ignored). */
  readonly onEvent?: ((event: TokenRequestEvent) => void) | undefined
  /** Used for clients' JWKS requests instead of the runtime's HTTP client. */
  readonly fetch?: typeof fetch | undefined
  /** Current time in ms since the epoch. Default `Date.now`. */
  readonly clock?: (() => number) | undefined
}

/**
 * A running issuer.
 *
 * @example
 * ```ts
 * const issuer: Issuer = createIssuer(options)
 * console.log(issuer.tokenEndpoint, issuer.jwksUri)
 * ```
 */
export interface Issuer {
  readonly issuer: string
  readonly tokenEndpoint: string
  readonly jwksUri: string
  /** The RFC 8414 metadata document served at `/.well-known/oauth-authorization-server`. */
  readonly metadata: Readonly<Record<string, unknown>>
  /** Serves the token endpoint, the JWKS and the metadata; anything else is 404. */
  handle(request: Request): Promise<Response>
  /**
   * The same as {@link Issuer.handle} on the plain {@link IssuerHttpRequest} shape, for servers
   * that need no Web `Request`/`Response` objects (`createIssuerNodeHandler` uses it). Never rejects.
   */
  answer(request: IssuerHttpRequest): Promise<IssuerHttpAnswer>
  /** Stops clients' JWKS refreshes. */
  close(): Promise<void>
}

const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
const defaultLifetime = 600
const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' } as const

function checkOptions(options: IssuerOptions): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const issue = (path: string, message: string): void => void issues.push({ path, message })
  let issuerUrl: URL | undefined
  try {
    issuerUrl = new URL(options.issuer)
  } catch {
    issue('issuer', 'must be an absolute URL')
  }
  if (issuerUrl !== undefined) {
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuerUrl.hostname) || issuerUrl.hostname.startsWith('127.')
    if (issuerUrl.protocol !== 'https:' && !(issuerUrl.protocol === 'http:' && loopback)) issue('issuer', 'must be https (plain http only on a loopback host)')
    if (issuerUrl.search !== '' || issuerUrl.hash !== '' || options.issuer.includes('?') || options.issuer.includes('#')) issue('issuer', 'must have no query or fragment')
  }
  const org = options.organization as Partial<OrganizationAccess> | undefined
  if (typeof org !== 'object' || org === null) issue('organization', 'is required')
  else {
    for (const field of ['cloud', 'orgId', 'cloudDomain'] as const) if (typeof org[field] !== 'string' || org[field] === '') issue(`organization.${field}`, 'must be a non-empty string')
    if (!Array.isArray(org.apiRoles) || org.apiRoles.length === 0) issue('organization.apiRoles', 'must list at least one API role')
  }
  if (typeof options.clients !== 'object' || options.clients === null || typeof options.clients.get !== 'function') issue('clients', 'must be a ClientStore')
  const int = (path: string, value: number | undefined, min: number, max: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) issue(path, `must be an integer from ${min} to ${max}`)
  }
  int('accessTokenLifetimeSeconds', options.accessTokenLifetimeSeconds, 60, 86_400)
  int('maxAssertionLifetimeSeconds', options.maxAssertionLifetimeSeconds, 10, 300)
  int('clockToleranceSeconds', options.clockToleranceSeconds, 0, 300)
  int('maxBodyBytes', options.maxBodyBytes, 1024, 1_048_576)
  options.resources?.forEach((r, i) => {
    try {
      const u = new URL(r)
      if (u.hash !== '') issue(`resources[${i}]`, 'must have no fragment (RFC 8707)')
    } catch {
      issue(`resources[${i}]`, 'must be an absolute URI (RFC 8707)')
    }
  })
  if (options.apiResources !== undefined) {
    if (!isApiResourceTable(options.apiResources)) issue('apiResources', 'must be a table built by defineApiResources')
    if (typeof org === 'object' && org !== null && (typeof org.apiRoleCategories !== 'object' || org.apiRoleCategories === null)) {
      issue('organization.apiRoleCategories', 'is needed with apiResources: the API resource categories each role grants')
    }
  }
  if (options.dpop !== undefined && options.dpop !== false) {
    const dpop = validateDpopConfig({ mode: 'enabled', ...options.dpop }, 'dpop')
    if (!dpop.ok) issues.push(...dpop.issues)
  }
  if (options.failedAuthenticationThrottle !== undefined && options.failedAuthenticationThrottle !== false) {
    issues.push(...checkThrottleOptions(options.failedAuthenticationThrottle, 'failedAuthenticationThrottle'))
  }
  if (options.verifiedSecretCache !== undefined && options.verifiedSecretCache !== false) {
    int('verifiedSecretCache.maxEntries', options.verifiedSecretCache.maxEntries, 1, 1_000_000)
    int('verifiedSecretCache.maxAgeSeconds', options.verifiedSecretCache.maxAgeSeconds, 1, 3600)
  }
  return issues
}

/** Joins the issuer identifier and a path segment. */
const endpoint = (issuer: string, name: string): string => `${issuer.replace(/\/$/, '')}/${name}`

/**
 * Creates an issuer. Options are checked here: a bad option throws a `ConfigError` naming every
 * bad field by its path.
 *
 * Errors are RFC 6749 §5.2 JSON bodies with `Cache-Control: no-store`; `invalid_client` is 401
 * (with a `Basic` challenge when Basic was used); a dependency that cannot answer (client store,
 * replay store, a client's JWKS) is 503 `temporarily_unavailable` with `Retry-After`, never
 * `invalid_client`. A request with a valid DPoP proof (see {@link IssuerOptions.dpop}) gets a
 * token bound to the proof's key (`cnf.jkt`, `token_type: DPoP`); a bad proof is 400
 * `invalid_dpop_proof`, a missing or stale nonce (when required) 400 `use_dpop_nonce` with a
 * `DPoP-Nonce` header.
 *
 * @example
 * ```ts
 * import { createIssuer, createInMemoryClientStore, defineApiClient } from '@tokenward/issuer'
 *
 * const clients = createInMemoryClientStore([['12345', defineApiClient({
 *   clientId: 'reporting', roles: ['ReadOnly'],
 *   authentication: { method: 'private_key_jwt', jwksUrl: 'https://reporting.example.com/jwks.json' },
 * })]])
 * const issuer = createIssuer({
 *   issuer: 'https://auth.example.com',
 *   organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
 *   clients,
 * })
 * Deno.serve((request) => issuer.handle(request))
 * ```
 */
export function createIssuer(options: IssuerOptions): Issuer {
  const issues = checkOptions(options)
  if (issues.length > 0) throw new ConfigError(issues)
  const issuer = options.issuer
  const tokenEndpoint = endpoint(issuer, 'token')
  const jwksUri = endpoint(issuer, 'jwks')
  const issuerPath = new URL(issuer).pathname.replace(/\/$/, '')
  const paths = {
    token: new URL(tokenEndpoint).pathname,
    jwks: new URL(jwksUri).pathname,
    metadata: new Set([`/.well-known/oauth-authorization-server${issuerPath}`, `${issuerPath}/.well-known/oauth-authorization-server`]),
  }
  const org = options.organization
  const clock = options.clock ?? Date.now
  const lifetime = options.accessTokenLifetimeSeconds ?? defaultLifetime
  const tolerance = options.clockToleranceSeconds ?? 30
  const maxAssertionLifetime = options.maxAssertionLifetimeSeconds ?? 300
  const maxBodyBytes = options.maxBodyBytes ?? 16_384
  const resources = new Set(options.resources ?? [])
  const defaultAudience = options.defaultAudience ?? issuer
  const signingKeys = options.signingKeys ?? createInMemorySigningKeyStore({ maxTokenLifetimeSeconds: lifetime })
  const replay = options.replayStore ?? createInMemoryReplayStore()
  const hasher = options.secretHasher ?? createDefaultSecretHasher()
  const verifiedSecrets =
    options.verifiedSecretCache === false
      ? undefined
      : createVerifiedSecretCache({
          maxEntries: options.verifiedSecretCache?.maxEntries ?? 1000,
          maxAgeMs: (options.verifiedSecretCache?.maxAgeSeconds ?? 300) * 1000,
          digest: createKeyedDigest(),
        })
  const currentRoles = createCurrentApiRoles(org, options.clients)
  const audience = options.allowTokenEndpointAudience === true ? [issuer, tokenEndpoint] : [issuer]
  const dpopChecked = options.dpop === false ? undefined : validateDpopConfig({ mode: 'enabled', ...options.dpop }, 'dpop')
  const dpop: DpopConfig | undefined = dpopChecked?.ok === true && dpopChecked.config.mode !== 'off' ? dpopChecked.config : undefined
  const dpopNonces: DpopNonces | undefined = dpop?.requireNonce === true ? createDpopNonces({ secrets: dpop.nonceSecrets }) : undefined
  const dpopKeyMemo = createDpopKeyMemo(1024)
  const signature = platformSignatureProvider()
  const throttle = options.failedAuthenticationThrottle === undefined || options.failedAuthenticationThrottle === false ? undefined : createAuthThrottle(options.failedAuthenticationThrottle)
  /** Refuses a locked client ID before any key or secret is checked. */
  const admit = (clientId: string): void => {
    const wait = throttle?.lockedFor(clientId, clock())
    if (wait !== undefined) throw new ThrottledError(wait)
  }
  const verifiers = createClientVerifiers({
    audience,
    clockToleranceSeconds: tolerance,
    jwks: { ...options.clientJwks, addressPolicy: options.clientJwks?.addressPolicy === undefined ? {} : options.clientJwks.addressPolicy },
    fetch: options.fetch,
    clock,
  })
  const metadata = Object.freeze({
    issuer,
    token_endpoint: tokenEndpoint,
    jwks_uri: jwksUri,
    grant_types_supported: ['client_credentials'],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...supportedAlgorithms],
    ...(dpop !== undefined ? { dpop_signing_alg_values_supported: [...dpop.algorithms] } : {}),
    scopes_supported: org.apiRoles.map((role) => `${org.cloud}::${org.orgId}::${role}`),
    ...(resources.size > 0 ? { resources_supported: [...resources] } : {}),
  })

  const onEvent = options.onEvent
  const emit = (event: Omit<TokenRequestEvent, 'type' | 'at' | 'orgId'>): void => {
    if (onEvent === undefined) return
    try {
      onEvent({ type: 'token_request', at: clock(), orgId: org.orgId, ...event })
    } catch {
      // An observer must not break the endpoint.
    }
  }

  const lookUp = async (clientId: string): Promise<ApiClient | undefined> => {
    try {
      return await options.clients.get(org.orgId, clientId)
    } catch (cause) {
      throw new StoreUnavailableError('The client store did not answer', { cause, retryAfterSeconds: 5 })
    }
  }

  const checkSecret = async (client: ApiClient | undefined, clientId: string, secret: string): Promise<ApiClient> => {
    if (client === undefined || client.authentication.method !== 'client_secret' || !client.enabled) verifiedSecrets?.forget(clientId)
    if (client === undefined || client.authentication.method !== 'client_secret') {
      // Same cost as a wrong secret, so timing does not say which client IDs exist.
      await hasher.verify(secret, await dummyHash(hasher)).catch(() => false)
      throw new TokenEndpointError('invalid_client', client === undefined ? 'Unknown client' : 'The client does not authenticate with a secret')
    }
    const hashes = client.authentication.secretHashes
    const digests = verifiedSecrets === undefined ? undefined : hashes.map((stored) => verifiedSecrets.keyFor(clientId, secret, stored))
    // The Node digest answers at once; the Web one (WebCrypto) is awaited.
    const keys = digests === undefined ? undefined : digests.every((key) => typeof key === 'string') ? digests : await Promise.all(digests)
    // A secret verified recently (only someone who holds it can hit) needs no slow hash, also
    // during a rotation when the other stored hash would not match.
    if (keys !== undefined && keys.some((key) => verifiedSecrets!.has(clientId, key, clock()))) return client
    let ok = false
    for (const [i, stored] of hashes.entries()) {
      // Every stored hash is checked (no early exit), so timing does not say which one matched.
      if (await hasher.verify(secret, stored)) {
        ok = true
        if (keys !== undefined && client.enabled) verifiedSecrets!.remember(clientId, keys[i]!, clock())
      }
    }
    if (!ok) throw new TokenEndpointError('invalid_client', 'The client secret is wrong')
    return client
  }

  const checkAssertion = async (assertion: string, bodyClientId: string | undefined): Promise<{ client: ApiClient; clientId: string }> => {
    const parsed = parseCompactJws(assertion, { maxLength: 8192 })
    if (!parsed.ok) throw new TokenEndpointError('invalid_client', `The client assertion is malformed: ${parsed.error.message}`)
    const { iss, sub, jti, exp } = parsed.value.payload
    if (typeof iss !== 'string' || iss === '') throw new TokenEndpointError('invalid_client', 'The client assertion has no iss')
    if (bodyClientId !== undefined && bodyClientId !== iss) throw new TokenEndpointError('invalid_client', 'client_id does not match the client assertion', { cause: { clientId: iss } })
    admit(iss)
    const client = await lookUp(iss)
    const fail = (message: string): never => {
      throw Object.assign(new TokenEndpointError('invalid_client', message), { clientId: iss })
    }
    if (client === undefined) return fail('Unknown client')
    if (client.authentication.method !== 'private_key_jwt') return fail('The client does not authenticate with private_key_jwt')
    if (!client.enabled) return fail('The client is disabled')
    const kid = parsed.value.header.kid
    try {
      await verifiers.verify(client, assertion, typeof kid === 'string' ? kid : undefined)
    } catch (e) {
      if (isUnavailableError(e)) throw e
      if (e instanceof CertificateValidityError) return fail(e.message)
      if (isVerificationError(e)) return fail(`The client assertion was rejected (${e.code}): ${e.message}`)
      return fail('The client key could not be used')
    }
    // Signature, iss, aud, exp, nbf and iat are checked; now RFC 7523's own rules.
    if (sub !== iss) return fail('The client assertion sub must equal iss (the client ID)')
    if (typeof jti !== 'string' || jti === '' || jti.length > 256) return fail('The client assertion needs a jti (at most 256 characters)')
    const now = clock()
    if ((exp as number) * 1000 > now + (maxAssertionLifetime + tolerance) * 1000) return fail(`The client assertion expires more than ${maxAssertionLifetime} s from now`)
    let first: boolean
    try {
      first = await replay.claim(`${org.orgId}\u0000${iss}\u0000${jti}`, ((exp as number) + tolerance) * 1000, now)
    } catch (cause) {
      throw new ReplayUnavailableError('The replay store did not answer', { cause, retryAfterSeconds: replayRetryAfter(cause) })
    }
    if (!first) return fail('The client assertion was already used (jti replayed)')
    return { client, clientId: iss }
  }

  // A client's roles the organization has, and its default scope, per client object and role set:
  // the same for every request until either changes. Only frozen role lists (defineApiClient's)
  // are remembered: a store handing out mutable clients gets them worked out per request.
  const defaultScopes = new WeakMap<ApiClient, { readonly orgRoles: ReadonlySet<string>; readonly allowed: readonly string[]; readonly scope: readonly string[] }>()
  const grantScope = (client: ApiClient, requested: string | undefined, orgRoles: ReadonlySet<string>): readonly string[] => {
    let memo = defaultScopes.get(client)
    if (memo === undefined || memo.orgRoles !== orgRoles) {
      const allowed = client.roles.filter((r) => orgRoles.has(r))
      memo = { orgRoles, allowed, scope: allowed.map((role) => `${org.cloud}::${org.orgId}::${role}`) }
      if (Object.isFrozen(client.roles)) defaultScopes.set(client, memo)
    }
    const allowed = memo.allowed
    if (allowed.length === 0) throw new TokenEndpointError('unauthorized_client', 'The client has no API role of this organization')
    if (requested === undefined) return memo.scope
    const values = requested.split(' ')
    const granted = new Set<string>()
    for (const value of values) {
      if (value === '') throw new TokenEndpointError('invalid_scope', 'scope must be scope values separated by single spaces')
      const role = parseApiRole(value)
      if (role === undefined || role.cloud !== org.cloud || role.orgId !== org.orgId) throw new TokenEndpointError('invalid_scope', `Unknown scope ${JSON.stringify(value.slice(0, 128))}; expected ${org.cloud}::${org.orgId}::<role>`)
      if (!allowed.includes(role.role)) throw new TokenEndpointError('invalid_scope', `The client may not have the role ${JSON.stringify(role.role.slice(0, 128))}`)
      granted.add(value)
    }
    return [...granted]
  }

  /**
   * RFC 9449 §5: the request's DPoP proof (htm POST, htu the token endpoint, no ath), its nonce
   * when one is required, and its `jti` single use. `undefined` when there is no proof and none is
   * required; `nonce` is a fresh `DPoP-Nonce` header to send back when the one used is expiring.
   */
  const checkDpop = async (request: IssuerHttpRequest): Promise<{ jkt: string; nonce: Record<string, string> | undefined } | undefined> => {
    const proof = request.header('dpop')
    const present = proof !== null
    if (dpop === undefined) {
      if (present) throw new TokenEndpointError('invalid_request', 'This issuer does not issue DPoP-bound tokens; send the request without a DPoP header')
      return undefined
    }
    if (!present) {
      if (dpop.mode === 'required') throw new TokenEndpointError('invalid_dpop_proof', 'This issuer issues only DPoP-bound tokens: send a DPoP proof')
      return undefined
    }
    const now = clock()
    const verified = await verifyDpopProof(
      { method: request.method, url: tokenEndpoint, headers: { dpop: proof } },
      { config: dpop, accessToken: null, now: Math.floor(now / 1000), signature, nonces: dpopNonces, keyMemo: dpopKeyMemo },
    )
    if (!verified.ok) {
      if (verified.error.code === 'use_dpop_nonce') {
        const nonce = (verified.error as { nonce?: string }).nonce
        throw Object.assign(new TokenEndpointError('use_dpop_nonce', 'Use the DPoP nonce this issuer provides'), { nonce })
      }
      throw new TokenEndpointError('invalid_dpop_proof', verified.error.message)
    }
    let first: boolean
    try {
      first = await replay.claim(`dpop\u0000${org.orgId}\u0000${verified.value.replayKey}`, now + verified.value.replayTtlSeconds * 1000, now)
    } catch (cause) {
      throw new ReplayUnavailableError('The replay store did not answer', { cause, retryAfterSeconds: replayRetryAfter(cause) })
    }
    if (!first) throw new TokenEndpointError('invalid_dpop_proof', 'The DPoP proof was already used (jti replayed)')
    const fresh = verified.value.nonce === 'expiring' && dpopNonces !== undefined ? await dpopNonces.issue(Math.floor(now / 1000)) : undefined
    return { jkt: verified.value.jkt, nonce: fresh === undefined ? undefined : { 'dpop-nonce': fresh } }
  }

  const tokenRequest = async (request: IssuerHttpRequest): Promise<IssuerHttpAnswer> => {
    let clientId: string | undefined
    let method: ClientAuthMethod | undefined
    let basic = false
    let nonceHeader: Record<string, string> | undefined
    try {
      if (request.method !== 'POST') return { status: 405, headers: { allow: 'POST', ...noStore }, body: null }
      if (request.hasQuery) throw new TokenEndpointError('invalid_request', 'The token endpoint takes no query parameters')
      const form = await readForm(request, maxBodyBytes)
      // The proof is checked before the client authenticates, so a nonce challenge does not spend
      // a single-use client assertion.
      // Without a proof, and with none required, there is nothing to wait for.
      const binding = request.header('dpop') === null && dpop?.mode !== 'required' ? undefined : await checkDpop(request)
      nonceHeader = binding?.nonce
      const one = (name: string): string | undefined => form.get(name)?.[0]
      const authorization = request.header('authorization')
      const methods: ClientAuthMethod[] = []
      if (authorization !== null) {
        if (!/^basic /i.test(authorization)) throw new TokenEndpointError('invalid_request', 'The Authorization header must use the Basic scheme')
        methods.push('client_secret_basic')
      }
      if (one('client_secret') !== undefined) methods.push('client_secret_post')
      if (one('client_assertion') !== undefined || one('client_assertion_type') !== undefined) methods.push('private_key_jwt')
      if (methods.length > 1) throw new TokenEndpointError('invalid_request', `Use exactly one client authentication method (got ${methods.join(' and ')})`)
      method = methods[0]
      basic = method === 'client_secret_basic'
      const grantType = one('grant_type')
      if (grantType === undefined) throw new TokenEndpointError('invalid_request', 'grant_type is required')

      let client: ApiClient
      if (method === undefined) {
        clientId = one('client_id')
        throw new TokenEndpointError('invalid_client', 'The request carries no client authentication')
      } else if (method === 'client_secret_basic') {
        const decoded = decodeBasic(authorization!)
        clientId = decoded.clientId
        if (one('client_id') !== undefined && one('client_id') !== clientId) throw new TokenEndpointError('invalid_request', 'client_id in the body does not match the Authorization header')
        admit(clientId)
        client = await checkSecret(await lookUp(clientId), clientId, decoded.secret)
      } else if (method === 'client_secret_post') {
        clientId = one('client_id')
        if (clientId === undefined) throw new TokenEndpointError('invalid_request', 'client_secret_post needs client_id')
        admit(clientId)
        client = await checkSecret(await lookUp(clientId), clientId, one('client_secret')!)
      } else {
        clientId = one('client_id')
        if (one('client_assertion_type') !== assertionType) throw new TokenEndpointError('invalid_request', `client_assertion_type must be ${assertionType}`)
        const assertion = one('client_assertion')
        if (assertion === undefined) throw new TokenEndpointError('invalid_request', 'client_assertion is required')
        try {
          const checked = await checkAssertion(assertion, clientId)
          clientId = checked.clientId
          client = checked.client
        } catch (e) {
          const named = (e as { clientId?: unknown }).clientId
          if (typeof named === 'string') clientId = named
          throw e
        }
      }
      if (!client.enabled) throw new TokenEndpointError('invalid_client', 'The client is disabled')
      throttle?.recordSuccess(client.clientId)
      if (grantType !== 'client_credentials') throw new TokenEndpointError('unsupported_grant_type', 'Only the client_credentials grant is supported')

      const roles = currentRoles()
      const rolesNow = roles instanceof Promise ? await roles : roles
      let scope = grantScope(client, one('scope'), rolesNow.names)
      const requestedResources = form.get('resource') ?? []
      for (const r of requestedResources) if (!resources.has(r)) throw new TokenEndpointError('invalid_target', `The resource ${JSON.stringify(r.slice(0, 256))} is not served by this issuer`)
      const aud = requestedResources.length > 0 ? [...new Set(requestedResources)] : [defaultAudience]
      if (options.apiResources !== undefined && requestedResources.length > 0) {
        const prefix = `${org.cloud}::${org.orgId}::`
        const roles = narrowRolesToResources({
          roles: scope.map((value) => value.slice(prefix.length)),
          requestedExplicitly: one('scope') !== undefined,
          resources: aud,
          table: options.apiResources,
          apiRoleCategories: rolesNow.categories,
        })
        scope = roles.map((role) => prefix + role)
      }

      const now = clock()
      const iat = Math.floor(now / 1000)
      // 122 random bits; randomUUID draws from a buffered CSPRNG, far cheaper per call than getRandomValues.
      const jti = crypto.randomUUID()
      const scopeText = scope.join(' ')
      let key
      try {
        key = await signingKeys.signingKey(now)
      } catch (cause) {
        throw new StoreUnavailableError('The signing key store did not answer', { cause, retryAfterSeconds: 5 })
      }
      const signed = signJwt(key, 'at+jwt', {
        iss: issuer,
        sub: client.clientId,
        client_id: client.clientId,
        aud: aud.length === 1 ? aud[0] : aud,
        iat,
        exp: iat + lifetime,
        jti,
        scope: scopeText,
        ...(binding !== undefined ? { cnf: { jkt: binding.jkt } } : {}),
      })
      const accessToken = typeof signed === 'string' ? signed : await signed
      const tokenType = binding !== undefined ? 'DPoP' : 'Bearer'
      emit({ clientId: client.clientId, method, outcome: 'issued', grantedScope: scopeText, audience: aud, tokenId: jti, tokenType })
      return json(200, { access_token: accessToken, token_type: tokenType, expires_in: lifetime, scope: scopeText }, { ...noStore, ...nonceHeader })
    } catch (e) {
      if (e instanceof ThrottledError) {
        emit({ clientId, method, outcome: 'rejected', error: 'temporarily_unavailable', reason: e.message })
        return json(429, { error: 'temporarily_unavailable', error_description: e.message }, { ...noStore, 'retry-after': String(e.retryAfterSeconds) })
      }
      if (isTokenEndpointError(e)) {
        if (e.code === 'invalid_client' && clientId !== undefined) throttle?.recordFailure(clientId, clock())
        emit({ clientId, method, outcome: 'rejected', error: e.code, reason: e.description })
        const headers: Record<string, string> = { ...noStore, ...nonceHeader }
        const challengeNonce = (e as { nonce?: unknown }).nonce
        if (e.code === 'use_dpop_nonce' && typeof challengeNonce === 'string') headers['dpop-nonce'] = challengeNonce
        if (e.code === 'invalid_client' && basic) headers['www-authenticate'] = `Basic realm="${issuer.replace(/["\\]/g, '\\$&')}"`
        return json(e.status, { error: e.code, error_description: e.description }, headers)
      }
      if (isUnavailableError(e)) return unavailable(e, clientId, method)
      emit({ clientId, method, outcome: 'unavailable', error: 'temporarily_unavailable', reason: 'internal error' })
      return json(503, { error: 'temporarily_unavailable', error_description: 'The issuer could not decide' }, { ...noStore, 'retry-after': '5' })
    }
  }

  const unavailable = (e: UnavailableError, clientId: string | undefined, method: ClientAuthMethod | undefined): IssuerHttpAnswer => {
    emit({ clientId, method, outcome: 'unavailable', error: 'temporarily_unavailable', reason: `${e.reason}: ${e.message}` })
    const retryAfter = String(e.retryAfterSeconds ?? 30)
    return json(503, { error: 'temporarily_unavailable', error_description: `The issuer could not decide (${e.reason})` }, { ...noStore, 'retry-after': retryAfter })
  }

  const publicCache = { 'cache-control': 'public, max-age=300' } as const
  const answer = async (request: IssuerHttpRequest): Promise<IssuerHttpAnswer> => {
    const path = request.path
    if (path === paths.token) return tokenRequest(request)
    const isGet = request.method === 'GET' || request.method === 'HEAD'
    if (path === paths.jwks || paths.metadata.has(path)) {
      if (!isGet) return { status: 405, headers: { allow: 'GET, HEAD' }, body: null }
      if (path !== paths.jwks) return json(200, metadata, publicCache)
      try {
        const keys = await signingKeys.publishedKeys(clock())
        return json(200, { keys }, publicCache)
      } catch {
        return json(503, { error: 'temporarily_unavailable' }, { 'retry-after': '5', 'cache-control': 'no-store' })
      }
    }
    return json(404, { error: 'not_found' }, {})
  }

  return {
    issuer,
    tokenEndpoint,
    jwksUri,
    metadata,
    handle: async (request) => toWebResponse(await answer(fromWebRequest(request))),
    answer,
    close: () => verifiers.close(),
  }
}

/** A JSON answer, as `Response.json` would build it. */
const json = (status: number, body: unknown, headers: Readonly<Record<string, string>>): IssuerHttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

/** RFC 6749 §2.3.1: base64 of the form-encoded client ID and secret joined by ":". */
function decodeBasic(header: string): { clientId: string; secret: string } {
  const encoded = header.slice(6).trim()
  let text: string
  try {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error('not base64')
    const binary = atob(encoded)
    // ASCII decodes to itself; anything else must be valid UTF-8.
    text = /^[\x00-\x7f]*$/.test(binary) ? binary : new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)))
  } catch {
    throw new TokenEndpointError('invalid_request', 'The Basic credentials are not valid base64 UTF-8')
  }
  const colon = text.indexOf(':')
  if (colon <= 0) throw new TokenEndpointError('invalid_request', 'The Basic credentials must be client_id:client_secret')
  try {
    const form = (s: string): string => decodeURIComponent(s.replaceAll('+', ' '))
    const clientId = form(text.slice(0, colon))
    const secret = form(text.slice(colon + 1))
    if (secret === '') throw new Error('empty secret')
    return { clientId, secret }
  } catch {
    throw new TokenEndpointError('invalid_request', 'The Basic credentials are not form-encoded as RFC 6749 §2.3.1 asks')
  }
}

/** A full in-memory replay store says when slots free; anything else is retried in 5 s. */
const replayRetryAfter = (cause: unknown): number => (cause instanceof ReplayStoreFullError ? cause.retryAfterSeconds : 5)

const dummyHashes = new WeakMap<SecretHasher, Promise<SecretHash>>()
function dummyHash(hasher: SecretHasher): Promise<SecretHash> {
  let hash = dummyHashes.get(hasher)
  if (hash === undefined) dummyHashes.set(hasher, (hash = hasher.hash(encodeBase64Url(crypto.getRandomValues(new Uint8Array(32))))))
  return hash
}

/** A client ID locked by the failed-authentication throttle (answered 429). */
class ThrottledError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many failed client authentications for this client; retry after ${retryAfterSeconds} s`)
  }
}
