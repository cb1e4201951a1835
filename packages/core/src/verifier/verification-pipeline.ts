/**
 * The one implementation of token verification, as plain synchronous rules over a key view:
 * verified-token cache → parse → header → key selection → signature → claims → API role. It does
 * no I/O and needs no runtime. Whenever keys need work (a JWKS fetch or refresh, an unknown kid, a
 * key import still settling) it answers `NeedsKeys`, and the caller does that work (the Effect
 * verifier through its key set, the inline Promise door by awaiting the import) and then calls
 * {@link VerificationPipeline.completeWith}. The Effect service and both Promise doors run this.
 *
 * @module
 */
import { createVerifiedTokenCache, type VerifiedTokenCache } from '../cache/verified-token-cache.ts'
import { validateAccessTokenClaims } from '../claims/validate-claims.ts'
import {
  InsufficientScopeError,
  InvalidSignatureError,
  KeyError,
  ServerDisabledError,
  TokenwardError,
  type VerificationError,
} from '../errors.ts'
import { bearerSyntaxError, readBearerCredential, type TokenRequest } from '../http/bearer.ts'
import type { JwksSnapshot, KeySetStatus } from '../jwks/jwks-snapshot.ts'
import { validateJoseHeader, type CheckedHeader } from '../jws/header.ts'
import { createHeaderMemo, parseCompactJws, type ParsedJws } from '../jws/parse-compact.ts'
import { selectVerificationKey } from '../keys/select-key.ts'
import type { Platform, VerificationKey } from '../platform/types.ts'
import type { Jwk, SupportedAlgorithm } from '../jose/jwk.ts'
import { auditAdminId, authorizeApiRole, grantsFromClaims, type TokenGrants } from '../scope/api-role.ts'
import type { ResolvedVerifierOptions } from './resolve-options.ts'
import type { VerifiedAccessToken, VerifierStatus, VerifyOptions } from './types.ts'

/** The keys as the pipeline reads them: synchronously, without starting any work. */
export interface KeyView {
  /** The snapshot to verify against now, or `undefined` when the key set has work to do first. */
  readonly freshAt: (nowMs: number) => JwksSnapshot | undefined
  /** The last good snapshot, even one being refreshed (verified-token cache hits check their key is still published). */
  readonly peekAt: (nowMs: number) => JwksSnapshot | undefined
}

/** A verification's answer: the token, or why it was refused. */
export type Outcome = VerifiedAccessToken | VerificationError

/** What the pipeline hands to its caller when keys need work: the token, already parsed. */
export interface NeedsKeys {
  readonly _tag: 'NeedsKeys'
  /** The token as it was given (the verified-token cache key once verified). */
  readonly token: unknown
  readonly parsed: ParsedJws
  readonly header: CheckedHeader
}

/** The operations of {@link createVerificationPipeline}. */
export interface VerificationPipeline {
  /**
   * The whole verification when the keys are fresh and imported (the normal case): the answer,
   * as a promise when the platform checks signatures asynchronously (WebCrypto), or `NeedsKeys`.
   */
  readonly verifyFast: (token: unknown, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome> | NeedsKeys
  /** {@link VerificationPipeline.verifyFast} for a whole request: reads the bearer credential first. */
  readonly verifyRequestFast: (request: TokenRequest, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome> | NeedsKeys
  /**
   * Finishes a `NeedsKeys` token against a snapshot the caller obtained (after fetching, or after
   * one unknown-kid refetch): selects the key, waits for its import, checks the signature, claims
   * and role.
   */
  readonly completeWith: (needs: NeedsKeys, snapshot: JwksSnapshot, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome>
  /** The verifier's status: the key set's, plus the server and the verified-token cache. */
  readonly status: (keys: KeySetStatus) => VerifierStatus
  /** Forgets every cached verification. */
  readonly clearCache: () => void
}

interface CachedToken {
  readonly token: Omit<VerifiedAccessToken, 'authorization' | 'fromCache'>
  /** The answer for calls without per-call options, computed on the first hit. */
  defaultAnswer?: VerifiedAccessToken | InsufficientScopeError
}

/** An imported key, with its settled result kept beside the promise so the hot path can read it synchronously. */
interface ImportedKey {
  readonly promise: Promise<VerificationKey>
  settled?: { readonly key: VerificationKey } | { readonly error: KeyError }
}

/** Distinct `scope` strings whose grants a pipeline remembers; it starts over when full. */
const maxRememberedScopes = 64

function freezeGrants(grants: TokenGrants): TokenGrants {
  for (const role of grants.apiRoles) Object.freeze(role)
  return Object.freeze({ scopes: Object.freeze(grants.scopes), roles: Object.freeze(grants.roles), apiRoles: Object.freeze(grants.apiRoles) })
}

/**
 * Tells `NeedsKeys` apart from an answer.
 *
 * @example
 * ```ts
 * const fast = pipeline.verifyFast(token, Date.now())
 * if (isNeedsKeys(fast)) await fetchKeysThenComplete(fast)
 * ```
 */
export function isNeedsKeys(value: unknown): value is NeedsKeys {
  return typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'NeedsKeys'
}

/**
 * Builds the pipeline for one authorization server: its key-import cache (per JWK object, so a
 * new snapshot's keys are imported afresh) and its verified-token cache.
 *
 * @example
 * ```ts
 * const pipeline = createVerificationPipeline(resolved, platform, { freshAt: () => snapshot, peekAt: () => snapshot })
 * const answer = pipeline.verifyFast(token, Date.now())
 * ```
 */
export function createVerificationPipeline(resolved: ResolvedVerifierOptions, platform: Platform, keys: KeyView): VerificationPipeline {
  const { server, organization } = resolved
  const cache: VerifiedTokenCache<CachedToken> = createVerifiedTokenCache({ maxEntries: resolved.cacheMaxEntries })
  const importedKeys = new WeakMap<Jwk, Map<SupportedAlgorithm, ImportedKey>>()
  // An authorization server signs with a few keys, so its tokens carry a few distinct headers.
  const parseOptions = {
    maxLength: server.maxTokenLength,
    decodeSegment: platform.decodeBase64Url,
    encodeAscii: platform.encodeAscii,
    headerMemo: createHeaderMemo(32),
  }
  const headerOptions = { algorithms: server.algorithms, requireAccessTokenType: server.requireAccessTokenType }
  const claimExpectations = resolved.options.profile === 'client_assertion' ? { ...server, profile: 'client_assertion' as const } : server
  const uncheckedClaims = [
    ...(server.issuer === undefined ? (['iss'] as const) : []),
    ...(server.audience === undefined ? (['aud'] as const) : []),
    ...(server.clientId === undefined ? (['client_id'] as const) : []),
  ]

  // A client's tokens repeat its `scope`: when that is the only grant claim, its grants are worked
  // out once and shared by every token that carries it (as cache hits already share them). Grants
  // are always frozen, shared or not, so every result behaves alike.
  const grantsByScope = new Map<string, TokenGrants>()
  const grantOptions = { scopePrefix: server.scopePrefix }
  const grantsOf = (payload: Readonly<Record<string, unknown>>): TokenGrants => {
    const scope = payload.scope
    if (
      typeof scope !== 'string' ||
      payload.scp !== undefined ||
      payload.permissions !== undefined ||
      payload.roles !== undefined ||
      payload.realm_access !== undefined ||
      payload.resource_access !== undefined
    ) {
      return freezeGrants(grantsFromClaims(payload, grantOptions))
    }
    let grants = grantsByScope.get(scope)
    if (grants === undefined) {
      grants = freezeGrants(grantsFromClaims(payload, grantOptions))
      if (grantsByScope.size >= maxRememberedScopes) grantsByScope.clear()
      grantsByScope.set(scope, grants)
    }
    return grants
  }

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

  const authorize = (token: CachedToken['token'], verifyOptions: VerifyOptions | undefined, fromCache: boolean): VerifiedAccessToken | InsufficientScopeError => {
    if (organization === undefined) {
      if (verifyOptions?.requiredRoles !== undefined) throw new TypeError('requiredRoles needs an organization in the verifier options')
      return { ...token, authorization: undefined, fromCache }
    }
    const allowedRoles =
      verifyOptions?.requiredRoles === undefined ? organization.apiRoles : verifyOptions.requiredRoles.filter((r) => organization.apiRoles.includes(r))
    const decision = authorizeApiRole(token.apiRoles, { cloud: organization.cloud, orgId: organization.orgId, allowedRoles })
    if (!decision.ok) return decision.error
    const apiRole = decision.value
    return {
      ...token,
      fromCache,
      authorization: { apiRole, adminId: auditAdminId({ role: apiRole.role, orgId: organization.orgId, cloudDomain: organization.cloudDomain }) },
    }
  }

  // One function for every lookup, reading the time of the lookup in progress: a miss then
  // allocates nothing and never reads the key set (only a hit asks whether its key is published).
  let lookupAtMs = 0
  const cachedKeyStillPublished = (kid: string | undefined, generation: number): boolean => {
    const snapshot = keys.peekAt(lookupAtMs)
    return snapshot !== undefined && (snapshot.generation === generation || (kid !== undefined && snapshot.kids.has(kid)))
  }

  const verifyCached = (raw: string, nowMs: number, verifyOptions?: VerifyOptions): VerifiedAccessToken | InsufficientScopeError | undefined => {
    if (resolved.cacheMaxEntries === 0) return undefined
    lookupAtMs = nowMs
    const hit = cache.get(raw, nowMs / 1000, server.clockToleranceSeconds, cachedKeyStillPublished)
    if (hit === undefined) return undefined
    if (verifyOptions?.requiredRoles !== undefined) return authorize(hit.token, verifyOptions, true)
    hit.defaultAnswer ??= authorize(hit.token, undefined, true)
    return hit.defaultAnswer
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
      const claims = validateAccessTokenClaims(parsed.payload, claimExpectations, nowSeconds)
      if (!claims.ok) return claims.error
      const c = claims.value
      const grants = grantsOf(parsed.payload)
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
      // A first sighting only leaves a fingerprint: no entry is built or kept for it.
      if (typeof raw === 'string' && resolved.cacheMaxEntries > 0 && cache.admit(raw)) {
        cache.set(raw, { value: { token }, expiresAt: c.expiresAt, notBefore: c.notBefore, kid, keyGeneration: snapshot.generation })
      }
      return authorize(token, verifyOptions, false)
    }
    const valid = platform.signature.verify(key, parsed.signingInput, parsed.signature)
    return typeof valid === 'boolean' ? afterSignature(valid) : valid.then(afterSignature)
  }

  const verifyFast = (raw: unknown, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsKeys => {
    if (!server.enabled) return new ServerDisabledError(`The authorization server "${server.name}" is disabled`)
    if (typeof raw === 'string') {
      const cached = verifyCached(raw, nowMs, verifyOptions)
      if (cached !== undefined) return cached
    }
    const parsed = parseCompactJws(raw, parseOptions)
    if (!parsed.ok) return parsed.error
    const header = validateJoseHeader(parsed.value.header, headerOptions)
    if (!header.ok) return header.error
    const needsKeys = (): NeedsKeys => ({ _tag: 'NeedsKeys', token: raw, parsed: parsed.value, header: header.value })
    const snapshot = keys.freshAt(nowMs)
    if (snapshot === undefined) return needsKeys()
    const selected = selectVerificationKey(snapshot.keys, header.value)
    if (!selected.ok) return selected.error.code === 'key_not_found' && header.value.kid !== undefined ? needsKeys() : selected.error
    const settled = importKey(selected.value, header.value.alg).settled
    if (settled === undefined) return needsKeys()
    if ('error' in settled) return settled.error
    return finish(raw, parsed.value, header.value, settled.key, snapshot, nowMs / 1000, verifyOptions)
  }

  const completeWith = ({ token: raw, parsed, header }: NeedsKeys, snapshot: JwksSnapshot, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> => {
    const selected = selectVerificationKey(snapshot.keys, header)
    if (!selected.ok) return selected.error
    const imported = importKey(selected.value, header.alg)
    const settled = imported.settled
    if (settled !== undefined) return 'error' in settled ? settled.error : finish(raw, parsed, header, settled.key, snapshot, nowMs / 1000, verifyOptions)
    return imported.promise.then(
      (key) => finish(raw, parsed, header, key, snapshot, nowMs / 1000, verifyOptions),
      (cause: unknown) => keyImportError(cause, header.alg, header.kid),
    )
  }

  // The bearer syntax (RFC 6750 b64token) is checked only when verification fails: a token that
  // parses as a compact JWS, or hits the cache, is within it, and nothing before parsing has side
  // effects. The answer is the one checking it first would give, without a regex over every token.
  // A token handed back as `NeedsKeys` has parsed, so its completion needs no syntax check either.
  const withBearerSyntax = (token: string, outcome: Outcome): Outcome =>
    outcome instanceof TokenwardError ? (bearerSyntaxError(token) ?? (outcome as VerificationError)) : outcome

  // The request pipeline. Stage 1 reads the credentials; stage 2 verifies the token. Later stages
  // (DPoP proof, mTLS-bound tokens, introspection of opaque tokens) join here, each a pure check
  // or work the caller does, the way key work is done for `NeedsKeys`.
  const verifyRequestFast = (request: TokenRequest, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsKeys => {
    const read = readBearerCredential(request)
    if (!read.ok) return read.error
    const token = read.value
    const outcome = verifyFast(token, nowMs, verifyOptions)
    if (isNeedsKeys(outcome)) return outcome
    return outcome instanceof Promise ? outcome.then((o) => withBearerSyntax(token, o)) : withBearerSyntax(token, outcome)
  }

  return {
    verifyFast,
    verifyRequestFast,
    completeWith,
    status: (keySet) => ({
      authorizationServer: server.name,
      enabled: server.enabled,
      jwksSource: keySet.source,
      lastSuccessfulFetchAt: keySet.lastSuccessfulFetchAt,
      lastFailure: keySet.lastFailure,
      fetchCount: keySet.fetchCount,
      keyCount: keySet.keyCount,
      stale: keySet.stale,
      cachedTokens: cache.size,
    }),
    clearCache: () => cache.clear(),
  }
}
