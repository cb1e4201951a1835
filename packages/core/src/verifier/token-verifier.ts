/**
 * The one implementation of token verification, as an Effect program over pure rules:
 * parse → header → key (cached JWKS, one refetch on an unknown kid) → signature → claims →
 * API role. Both the Effect service and the Promise facade run exactly this.
 *
 * @module
 */
import { Clock, Effect, type Scope } from 'effect'
import { createVerifiedTokenCache, type VerifiedTokenCache } from '../cache/verified-token-cache.ts'
import { validateAccessTokenClaims } from '../claims/validate-claims.ts'
import { validateAuthorizationServer, type AuthorizationServerConfig } from '../config/authorization-server.ts'
import {
  ConfigError,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidSignatureError,
  JwksUnavailableError,
  KeyError,
  MissingTokenError,
  ServerDisabledError,
  type ConfigIssue,
  type VerificationError,
} from '../errors.ts'
import { extractBearerToken, type TokenRequest } from '../http/bearer.ts'
import { makeRemoteKeySet, makeStaticKeySet, type JwksSnapshot, type KeySet } from '../jwks/remote-key-set.ts'
import { validateJoseHeader } from '../jws/header.ts'
import { parseCompactJws } from '../jws/parse-compact.ts'
import { selectVerificationKey } from '../keys/select-key.ts'
import type { Jwk, Platform, SupportedAlgorithm, VerificationKey } from '../platform/types.ts'
import type { Result } from '../result.ts'
import { auditAdminId, authorizeApiRole, grantsFromClaims } from '../scope/api-role.ts'
import type { OrganizationAccess, VerifiedAccessToken, VerifierOptions, VerifierStatus, VerifyOptions } from './types.ts'

/** The operations of a token verifier, in Effect form. */
export interface TokenVerifierShape {
  /** Verifies a raw access token. */
  readonly verify: (token: unknown, options?: VerifyOptions) => Effect.Effect<VerifiedAccessToken, VerificationError>
  /**
   * The verified-token cache's answer, synchronously: the token (authorized for this call), the
   * authorization error, or `undefined` on a miss. `verify` consults exactly this first; the
   * Promise door calls it directly so a hit never enters the Effect runtime.
   */
  readonly verifyCached: (token: string, nowMs: number, options?: VerifyOptions) => VerifiedAccessToken | InsufficientScopeError | undefined
  /** {@link TokenVerifierShape.verifyCached} for a whole request: credential errors, or the cache's answer, or `undefined`. */
  readonly verifyRequestCached: (
    request: TokenRequest,
    nowMs: number,
    options?: VerifyOptions,
  ) => VerifiedAccessToken | InsufficientScopeError | MissingTokenError | InvalidRequestError | undefined
  /**
   * Verifies a whole request: extracts the credentials, then runs the token stages. The request
   * is passed whole so proof-of-possession stages (DPoP, mTLS-bound tokens) and opaque-token
   * introspection can join the pipeline without a new entry point.
   */
  readonly verifyRequest: (request: TokenRequest, options?: VerifyOptions) => Effect.Effect<VerifiedAccessToken, VerificationError>
  /** Fetches the keys now, so the first request does not wait for them. */
  readonly warm: Effect.Effect<void, JwksUnavailableError>
  readonly status: Effect.Effect<VerifierStatus>
  /** Forgets every cached verification. */
  readonly clearCache: Effect.Effect<void>
  /** The validated configuration this verifier enforces. */
  readonly config: AuthorizationServerConfig
}

/** Checked verifier options with defaults applied. */
export interface ResolvedVerifierOptions {
  readonly server: AuthorizationServerConfig
  readonly organization: OrganizationAccess | undefined
  readonly cacheMaxEntries: number
  readonly options: VerifierOptions
}

/**
 * Validates verifier options, naming every bad field by its path, without throwing.
 *
 * @example
 * ```ts
 * const r = resolveVerifierOptions({ server: { name: 'Okta1', jwksUrl: 'https://idp/keys' } })
 * if (!r.ok) console.log(r.error.issues)
 * ```
 */
export function resolveVerifierOptions(options: VerifierOptions): Result<ResolvedVerifierOptions, ConfigError> {
  const issues: ConfigIssue[] = []
  if (typeof options !== 'object' || options === null) return { ok: false, error: new ConfigError([{ path: '', message: 'options must be an object' }]) }
  const server = validateAuthorizationServer(options.server)
  if (!server.ok) for (const i of server.issues) issues.push({ path: i.path === '' ? 'server' : `server.${i.path}`, message: i.message })

  const org = options.organization
  if (org !== undefined) {
    if (typeof org !== 'object' || org === null) issues.push({ path: 'organization', message: 'must be an object' })
    else {
      for (const key of ['cloud', 'orgId', 'cloudDomain'] as const) {
        const v = org[key]
        if (typeof v !== 'string' || !/^[^\s:]+$/.test(v)) issues.push({ path: `organization.${key}`, message: 'must be a non-empty string without spaces or colons' })
      }
      if (!Array.isArray(org.apiRoles)) issues.push({ path: 'organization.apiRoles', message: 'must be an array of role names' })
      else
        org.apiRoles.forEach((r: unknown, i) => {
          if (typeof r !== 'string' || !/^[^\s:]+$/.test(r)) issues.push({ path: `organization.apiRoles[${i}]`, message: 'must be a role name without spaces or colons' })
        })
    }
  }

  let cacheMaxEntries = 10_000
  if (options.cache === false) cacheMaxEntries = 0
  else if (options.cache !== undefined) {
    const max = options.cache.maxEntries
    if (max !== undefined) {
      if (!Number.isInteger(max) || max < 1 || max > 10_000_000) issues.push({ path: 'cache.maxEntries', message: 'must be an integer from 1 to 10000000 (use cache: false to turn the cache off)' })
      else cacheMaxEntries = max
    }
  }

  const jwks = options.jwks ?? {}
  const numeric: [keyof typeof jwks, number, number][] = [
    ['timeoutMs', 1, 120_000],
    ['maxBytes', 1024, 16 * 1024 * 1024],
    ['minMaxAgeSeconds', 0, 86_400 * 7],
    ['maxMaxAgeSeconds', 1, 86_400 * 30],
    ['defaultMaxAgeSeconds', 1, 86_400 * 30],
    ['refreshAheadSeconds', 0, 86_400],
    ['unknownKidCooldownSeconds', 0, 86_400],
    ['failureCooldownSeconds', 0, 86_400],
    ['maxStaleSeconds', 0, 86_400 * 30],
  ]
  for (const [key, min, max] of numeric) {
    const v = jwks[key]
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)) {
      issues.push({ path: `jwks.${key}`, message: `must be a number from ${min} to ${max}` })
    }
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') issues.push({ path: 'onEvent', message: 'must be a function' })
  if (options.realm !== undefined && typeof options.realm !== 'string') issues.push({ path: 'realm', message: 'must be a string' })

  if (issues.length > 0 || !server.ok) return { ok: false, error: new ConfigError(issues) }
  return { ok: true, value: { server: server.config, organization: org, cacheMaxEntries, options } }
}

interface CachedToken {
  readonly token: Omit<VerifiedAccessToken, 'authorization' | 'fromCache'>
  /** The answer for calls without per-call options, computed on the first hit. */
  defaultAnswer?: VerifiedAccessToken | InsufficientScopeError
}

/**
 * Builds the verifier: its key set (fetching in the background within `Scope`), its key-import
 * cache and its verified-token cache. Everything it caches lives as long as the scope.
 *
 * @example
 * ```ts
 * const program = Effect.scoped(Effect.gen(function* () {
 *   const verifier = yield* makeTokenVerifier(resolved, platform)
 *   return yield* verifier.verify(token)
 * }))
 * ```
 */
export const makeTokenVerifier = (
  resolved: ResolvedVerifierOptions,
  platform: Platform,
  fetchImpl?: typeof fetch,
): Effect.Effect<TokenVerifierShape, never, Scope.Scope> =>
  Effect.gen(function* () {
    const { server, organization, options } = resolved
    const onEvent = options.onEvent
    const jwks = options.jwks ?? {}
    const keySet: KeySet =
      server.jwks !== undefined
        ? makeStaticKeySet(server.jwks.keys)
        : yield* makeRemoteKeySet({
            url: new URL(server.jwksUrl!),
            httpGet: platform.httpGet(fetchImpl),
            certificateValidation: server.jwksCertificateValidation,
            trustedCertificates: server.trustedCertificates,
            ...definedOnly(jwks),
            ...(onEvent === undefined ? {} : { onEvent }),
          })
    const cache: VerifiedTokenCache<CachedToken> = createVerifiedTokenCache({ maxEntries: resolved.cacheMaxEntries })
    const importedKeys = new WeakMap<Jwk, Map<SupportedAlgorithm, Promise<VerificationKey>>>()
    const uncheckedClaims = [
      ...(server.issuer === undefined ? (['iss'] as const) : []),
      ...(server.audience === undefined ? (['aud'] as const) : []),
      ...(server.clientId === undefined ? (['client_id'] as const) : []),
    ]

    const importKey = (jwk: Jwk, alg: SupportedAlgorithm): Promise<VerificationKey> => {
      let byAlg = importedKeys.get(jwk)
      if (byAlg === undefined) {
        byAlg = new Map()
        importedKeys.set(jwk, byAlg)
      }
      let key = byAlg.get(alg)
      if (key === undefined) {
        key = platform.signature.importKey(jwk, alg)
        byAlg.set(alg, key)
        // A key that cannot be imported stays unusable for this snapshot; keep the rejection cached.
        key.catch(() => undefined)
      }
      return key
    }

    const keyStillPublished = (snapshot: JwksSnapshot | undefined) => (kid: string | undefined, generation: number) =>
      snapshot !== undefined && (snapshot.generation === generation || (kid !== undefined && snapshot.kids.has(kid)))

    const selectKey = (snapshot: JwksSnapshot, header: { alg: SupportedAlgorithm; kid: string | undefined }) =>
      Effect.gen(function* () {
        const first = selectVerificationKey(snapshot.keys, header)
        if (first.ok || first.error.code !== 'key_not_found' || header.kid === undefined) return [first, snapshot] as const
        // Unknown kid: the provider may have rotated its keys. Refetch once (rate limited).
        const fresh = yield* keySet.refreshForUnknownKid(header.kid)
        return [selectVerificationKey(fresh.keys, header), fresh] as const
      })

    const authorize = (
      token: CachedToken['token'],
      verifyOptions: VerifyOptions | undefined,
      fromCache: boolean,
    ): VerifiedAccessToken | InsufficientScopeError => {
      if (organization === undefined) {
        if (verifyOptions?.requiredRoles !== undefined) throw new TypeError('requiredRoles needs an organization in the verifier options')
        return { ...token, authorization: undefined, fromCache }
      }
      const allowedRoles =
        verifyOptions?.requiredRoles === undefined
          ? organization.apiRoles
          : verifyOptions.requiredRoles.filter((r) => organization.apiRoles.includes(r))
      const decision = authorizeApiRole(token.apiRoles, { cloud: organization.cloud, orgId: organization.orgId, allowedRoles })
      if (!decision.ok) return decision.error
      const apiRole = decision.value
      return {
        ...token,
        fromCache,
        authorization: { apiRole, adminId: auditAdminId({ role: apiRole.role, orgId: organization.orgId, cloudDomain: organization.cloudDomain }) },
      }
    }
    const authorizeEffect = (token: CachedToken['token'], verifyOptions: VerifyOptions | undefined, fromCache: boolean) =>
      Effect.suspend(() => {
        const answer = authorize(token, verifyOptions, fromCache)
        return answer instanceof InsufficientScopeError ? Effect.fail(answer) : Effect.succeed(answer)
      })

    const verifyCached = (raw: string, nowMs: number, verifyOptions?: VerifyOptions): VerifiedAccessToken | InsufficientScopeError | undefined => {
      if (resolved.cacheMaxEntries === 0 || !server.enabled) return undefined
      const hit = cache.get(raw, nowMs / 1000, server.clockToleranceSeconds, keyStillPublished(keySet.peekAt(nowMs)))
      if (hit === undefined) return undefined
      if (verifyOptions?.requiredRoles !== undefined) return authorize(hit.token, verifyOptions, true)
      hit.defaultAnswer ??= authorize(hit.token, undefined, true)
      return hit.defaultAnswer
    }

    const verify = (raw: unknown, verifyOptions?: VerifyOptions): Effect.Effect<VerifiedAccessToken, VerificationError> =>
      Effect.gen(function* () {
        if (!server.enabled) {
          return yield* Effect.fail(new ServerDisabledError(`The authorization server "${server.name}" is disabled`))
        }
        const nowMs = yield* Clock.currentTimeMillis
        const nowSeconds = nowMs / 1000

        if (typeof raw === 'string') {
          const cached = verifyCached(raw, nowMs, verifyOptions)
          if (cached instanceof InsufficientScopeError) return yield* Effect.fail(cached)
          if (cached !== undefined) return cached
        }

        const parsed = parseCompactJws(raw, { maxLength: server.maxTokenLength })
        if (!parsed.ok) return yield* Effect.fail(parsed.error)
        const { header: rawHeader, payload, signingInput, signature } = parsed.value
        const header = validateJoseHeader(rawHeader, { algorithms: server.algorithms, requireAccessTokenType: server.requireAccessTokenType })
        if (!header.ok) return yield* Effect.fail(header.error)
        const { alg, kid, typ } = header.value

        const snapshot = yield* keySet.current
        const [selected, usedSnapshot] = yield* selectKey(snapshot, { alg, kid })
        if (!selected.ok) return yield* Effect.fail(selected.error)
        const jwk = selected.value

        const key = yield* Effect.tryPromise({
          try: () => importKey(jwk, alg),
          catch: (cause) => (cause instanceof KeyError ? cause : new KeyError('invalid_key', `The key cannot be used for ${alg}`, { kid, cause })),
        })
        const valid = platform.signature.verify(key, signingInput, signature)
        const ok = typeof valid === 'boolean' ? valid : yield* Effect.promise(() => valid)
        if (!ok) return yield* Effect.fail(new InvalidSignatureError('The token signature is invalid', kid === undefined ? {} : { kid }))

        const claims = validateAccessTokenClaims(payload, server, nowSeconds)
        if (!claims.ok) return yield* Effect.fail(claims.error)
        const c = claims.value
        const grants = grantsFromClaims(payload)
        const token: CachedToken['token'] = {
          authorizationServer: server.name,
          clientId: c.clientId,
          clientIdClaim: c.clientIdClaim,
          subject: c.subject,
          issuer: c.issuer,
          audience: c.audience,
          expiresAt: c.expiresAt,
          issuedAt: c.issuedAt,
          scopes: grants.scopes,
          roles: grants.roles,
          apiRoles: grants.apiRoles,
          header: { alg, kid, typ },
          claims: payload,
          uncheckedClaims,
        }
        if (typeof raw === 'string' && resolved.cacheMaxEntries > 0) {
          cache.set(raw, { value: { token }, expiresAt: c.expiresAt, notBefore: c.notBefore, kid, keyGeneration: usedSnapshot.generation })
        }
        return yield* authorizeEffect(token, verifyOptions, false)
      })

    // The request pipeline. Stage 1 reads the credentials; stage 2 verifies the token. Later stages
    // (DPoP proof, mTLS-bound tokens, introspection of opaque tokens) join here, each a pure check
    // or an Effect over the same request; a stage that needs I/O makes verifyRequestCached answer
    // `undefined` so the request takes the full path.
    const verifyRequestCached = (request: TokenRequest, nowMs: number, verifyOptions?: VerifyOptions) => {
      const extracted = extractBearerToken(request)
      if (!extracted.ok) return extracted.error
      return verifyCached(extracted.value, nowMs, verifyOptions)
    }
    const verifyRequest = (request: TokenRequest, verifyOptions?: VerifyOptions) =>
      Effect.suspend(() => {
        const extracted = extractBearerToken(request)
        if (!extracted.ok) return Effect.fail(extracted.error)
        return verify(extracted.value, verifyOptions)
      })

    const status = Effect.gen(function* () {
      const s = yield* keySet.status
      return {
        authorizationServer: server.name,
        enabled: server.enabled,
        jwksSource: s.source,
        lastSuccessfulFetchAt: s.lastSuccessfulFetchAt,
        lastFailure: s.lastFailure,
        fetchCount: s.fetchCount,
        keyCount: s.keyCount,
        stale: s.stale,
        cachedTokens: cache.size,
      } satisfies VerifierStatus
    })

    return {
      verify,
      verifyCached,
      verifyRequestCached,
      verifyRequest,
      warm: Effect.asVoid(keySet.current),
      status,
      clearCache: Effect.sync(() => cache.clear()),
      config: server,
    } satisfies TokenVerifierShape
  })

function definedOnly<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]-?: Exclude<T[K], undefined> }
}
