/**
 * The one implementation of token verification, as an Effect program over pure rules:
 * parse → header → key (cached JWKS, one refetch on an unknown kid) → signature → claims →
 * API role. Both the Effect service and the Promise facade run exactly this.
 *
 * @module
 */
import * as Clock from 'effect/Clock'
import * as Effect from 'effect/Effect'
import type * as Scope from 'effect/Scope'
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
  TokenwardError,
  type ConfigIssue,
  type VerificationError,
} from '../errors.ts'
import { bearerSyntaxError, readBearerCredential, type TokenRequest } from '../http/bearer.ts'
import { makeRemoteKeySet, makeStaticKeySet, type JwksSnapshot, type KeySet } from '../jwks/remote-key-set.ts'
import { validateJoseHeader, type CheckedHeader } from '../jws/header.ts'
import { parseCompactJws, type ParsedJws } from '../jws/parse-compact.ts'
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
   * The whole verification without the Effect runtime, when no key work is needed: the answer (a
   * token or an error, possibly as a promise when signatures are checked asynchronously), or
   * `undefined` when `verify` must run (key set fetch or refresh, unknown kid, key import).
   */
  readonly verifyNow: (token: unknown, nowMs: number, options?: VerifyOptions) => VerifiedAccessToken | VerificationError | Promise<VerifiedAccessToken | VerificationError> | undefined
  /** {@link TokenVerifierShape.verifyNow} for a whole request: a credential error, the answer, or `undefined` when `verifyRequest` must run. */
  readonly verifyRequestNow: (
    request: TokenRequest,
    nowMs: number,
    options?: VerifyOptions,
  ) => VerifiedAccessToken | VerificationError | Promise<VerifiedAccessToken | VerificationError> | undefined
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
    // Imported keys per JWK object (a new snapshot brings new objects, so old imports fall away).
    // The settled result is kept beside the promise so the hot path can use it synchronously.
    interface ImportedKey {
      readonly promise: Promise<VerificationKey>
      settled?: { readonly key: VerificationKey } | { readonly error: KeyError }
    }
    const importedKeys = new WeakMap<Jwk, Map<SupportedAlgorithm, ImportedKey>>()
    const parseOptions = { maxLength: server.maxTokenLength, decodeSegment: platform.decodeBase64Url, encodeAscii: platform.encodeAscii }
    const uncheckedClaims = [
      ...(server.issuer === undefined ? (['iss'] as const) : []),
      ...(server.audience === undefined ? (['aud'] as const) : []),
      ...(server.clientId === undefined ? (['client_id'] as const) : []),
    ]

    const keyImportError = (cause: unknown, alg: SupportedAlgorithm, kid: string | undefined): KeyError =>
      cause instanceof KeyError ? cause : new KeyError('invalid_key', `The key cannot be used for ${alg}`, { kid, cause })

    const importKey = (jwk: Jwk, alg: SupportedAlgorithm): ImportedKey => {
      let byAlg = importedKeys.get(jwk)
      if (byAlg === undefined) {
        byAlg = new Map()
        importedKeys.set(jwk, byAlg)
      }
      let entry = byAlg.get(alg)
      if (entry === undefined) {
        const imported: ImportedKey = { promise: platform.signature.importKey(jwk, alg) }
        // A key that cannot be imported stays unusable for this snapshot; the rejection is kept.
        imported.promise.then(
          (key) => (imported.settled = { key }),
          (cause: unknown) => (imported.settled = { error: keyImportError(cause, alg, typeof jwk.kid === 'string' ? jwk.kid : undefined) }),
        )
        byAlg.set(alg, imported)
        entry = imported
      }
      return entry
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
    const verifyCached = (raw: string, nowMs: number, verifyOptions?: VerifyOptions): VerifiedAccessToken | InsufficientScopeError | undefined => {
      if (resolved.cacheMaxEntries === 0 || !server.enabled) return undefined
      const hit = cache.get(raw, nowMs / 1000, server.clockToleranceSeconds, keyStillPublished(keySet.peekAt(nowMs)))
      if (hit === undefined) return undefined
      if (verifyOptions?.requiredRoles !== undefined) return authorize(hit.token, verifyOptions, true)
      hit.defaultAnswer ??= authorize(hit.token, undefined, true)
      return hit.defaultAnswer
    }

    type Outcome = VerifiedAccessToken | VerificationError
    /** What the hot path hands to the Effect path when keys need I/O: the token, already parsed. */
    interface NeedsKeys {
      readonly _tag: 'NeedsKeys'
      readonly parsed: ParsedJws
      readonly header: CheckedHeader
    }

    // After a key is chosen: signature, claims, grants, cache, authorization. Synchronous when the
    // runtime's signature check is (node:crypto), a promise otherwise (WebCrypto).
    const finish = (
      raw: unknown,
      parsed: ParsedJws,
      header: CheckedHeader,
      key: VerificationKey,
      snapshot: JwksSnapshot,
      nowSeconds: number,
      verifyOptions: VerifyOptions | undefined,
    ): Outcome | Promise<Outcome> => {
      const afterSignature = (valid: boolean): Outcome => {
        const { alg, kid, typ } = header
        if (!valid) return new InvalidSignatureError('The token signature is invalid', kid === undefined ? {} : { kid })
        const claims = validateAccessTokenClaims(parsed.payload, server, nowSeconds)
        if (!claims.ok) return claims.error
        const c = claims.value
        const grants = grantsFromClaims(parsed.payload)
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
          claims: parsed.payload,
          uncheckedClaims,
        }
        if (typeof raw === 'string' && resolved.cacheMaxEntries > 0) {
          cache.set(raw, { value: { token }, expiresAt: c.expiresAt, notBefore: c.notBefore, kid, keyGeneration: snapshot.generation })
        }
        return authorize(token, verifyOptions, false)
      }
      const valid = platform.signature.verify(key, parsed.signingInput, parsed.signature)
      return typeof valid === 'boolean' ? afterSignature(valid) : valid.then(afterSignature)
    }

    /**
     * The whole verification, synchronously whenever the keys are fresh and imported (the normal
     * case): the verified-token cache, parsing, header, key selection, signature, claims, API role.
     * Returns `NeedsKeys` when the key set has work to do (first fetch, refresh due, unknown kid)
     * or a key import has not settled yet; the Effect path then does that work and calls `finish`.
     */
    const verifyFast = (raw: unknown, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsKeys => {
      if (!server.enabled) return new ServerDisabledError(`The authorization server "${server.name}" is disabled`)
      if (typeof raw === 'string') {
        const cached = verifyCached(raw, nowMs, verifyOptions)
        if (cached !== undefined) return cached
      }
      const parsed = parseCompactJws(raw, parseOptions)
      if (!parsed.ok) return parsed.error
      const header = validateJoseHeader(parsed.value.header, { algorithms: server.algorithms, requireAccessTokenType: server.requireAccessTokenType })
      if (!header.ok) return header.error
      const needsKeys = (): NeedsKeys => ({ _tag: 'NeedsKeys', parsed: parsed.value, header: header.value })
      const snapshot = keySet.freshAt(nowMs)
      if (snapshot === undefined) return needsKeys()
      const selected = selectVerificationKey(snapshot.keys, header.value)
      if (!selected.ok) return selected.error.code === 'key_not_found' && header.value.kid !== undefined ? needsKeys() : selected.error
      const settled = importKey(selected.value, header.value.alg).settled
      if (settled === undefined) return needsKeys()
      if ('error' in settled) return settled.error
      return finish(raw, parsed.value, header.value, settled.key, snapshot, nowMs / 1000, verifyOptions)
    }

    // The key work the hot path cannot do synchronously: fetch or refresh the key set, refetch once
    // for an unknown kid (rate limited), wait for a key import.
    const verifyWithKeyWork = (raw: unknown, { parsed, header }: NeedsKeys, nowMs: number, verifyOptions: VerifyOptions | undefined) =>
      Effect.gen(function* () {
        const snapshot = yield* keySet.current
        const [selected, usedSnapshot] = yield* selectKey(snapshot, header)
        if (!selected.ok) return yield* Effect.fail(selected.error)
        const key = yield* Effect.tryPromise({
          try: () => importKey(selected.value, header.alg).promise,
          catch: (cause) => keyImportError(cause, header.alg, header.kid),
        })
        return yield* fromOutcome(finish(raw, parsed, header, key, usedSnapshot, nowMs / 1000, verifyOptions))
      })

    const fromOutcome = (outcome: Outcome | Promise<Outcome>): Effect.Effect<VerifiedAccessToken, VerificationError> =>
      outcome instanceof Promise
        ? Effect.flatMap(
            Effect.promise(() => outcome),
            (o) => fromOutcome(o),
          )
        : outcome instanceof TokenwardError
          ? Effect.fail(outcome as VerificationError)
          : Effect.succeed(outcome as VerifiedAccessToken)

    const verify = (raw: unknown, verifyOptions?: VerifyOptions): Effect.Effect<VerifiedAccessToken, VerificationError> =>
      Effect.flatMap(Clock.currentTimeMillis, (nowMs) => {
        const fast = verifyFast(raw, nowMs, verifyOptions)
        return isNeedsKeys(fast) ? verifyWithKeyWork(raw, fast, nowMs, verifyOptions) : fromOutcome(fast)
      })

    // The request pipeline. Stage 1 reads the credentials; stage 2 verifies the token. Later stages
    // (DPoP proof, mTLS-bound tokens, introspection of opaque tokens) join here, each a pure check
    // or an Effect over the same request; a stage that needs I/O makes verifyRequestNow answer
    // `undefined` so the request takes the full path.
    const verifyNow = (token: unknown, nowMs: number, verifyOptions?: VerifyOptions) => {
      const fast = verifyFast(token, nowMs, verifyOptions)
      return isNeedsKeys(fast) ? undefined : fast
    }
    //
    // The bearer syntax (RFC 6750 b64token) is checked only when verification fails: a token that
    // parses as a compact JWS, or hits the cache, is within it, and nothing before parsing has side
    // effects. The answer is the one checking it first would give, without a regex over every token.
    const withBearerSyntax = (token: string, outcome: Outcome): Outcome =>
      outcome instanceof TokenwardError ? (bearerSyntaxError(token) ?? outcome) : outcome
    const verifyRequestNow = (request: TokenRequest, nowMs: number, verifyOptions?: VerifyOptions) => {
      const read = readBearerCredential(request)
      if (!read.ok) return read.error
      const token = read.value
      const outcome = verifyNow(token, nowMs, verifyOptions)
      if (outcome === undefined) return undefined
      return outcome instanceof Promise ? outcome.then((o) => withBearerSyntax(token, o)) : withBearerSyntax(token, outcome)
    }
    const verifyRequest = (request: TokenRequest, verifyOptions?: VerifyOptions) =>
      Effect.suspend(() => {
        const read = readBearerCredential(request)
        if (!read.ok) return Effect.fail(read.error)
        const token = read.value
        return Effect.mapError(verify(token, verifyOptions), (error): VerificationError => bearerSyntaxError(token) ?? error)
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
      verifyNow,
      verifyRequestNow,
      verifyRequest,
      warm: Effect.asVoid(keySet.current),
      status,
      clearCache: Effect.sync(() => cache.clear()),
      config: server,
    } satisfies TokenVerifierShape
  })

function isNeedsKeys(value: unknown): value is { readonly _tag: 'NeedsKeys'; readonly parsed: ParsedJws; readonly header: CheckedHeader } {
  return typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'NeedsKeys'
}

function definedOnly<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]-?: Exclude<T[K], undefined> }
}
