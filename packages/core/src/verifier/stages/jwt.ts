/**
 * The JWT stage: a compact JWS access token verified locally — verified-token cache → parse →
 * header → key selection → signature → claims (a `cnf` token is refused there unless the server
 * checks sender constraints; then the binding stage checks it) → grants. Accepted tokens go to
 * the authorize stage. Whenever keys need work (a JWKS fetch or refresh, an unknown kid, a key
 * import still settling) it answers `NeedsKeys`, the pipeline's "needs work" hand-off for keys.
 *
 * @module
 */
import { checksSenderConstraints } from './binding.ts'
import { createVerifiedTokenCache, type VerifiedTokenCache } from '../../cache/verified-token-cache.ts'
import { validateAccessTokenClaims } from '../../claims/validate-claims.ts'
import { InvalidSignatureError, KeyError, type InsufficientScopeError } from '../../errors.ts'
import type { JwksSnapshot } from '../../jwks/jwks-snapshot.ts'
import { validateJoseHeader, type CheckedHeader } from '../../jws/header.ts'
import { createHeaderMemo, parseCompactJws, type ParsedJws } from '../../jws/parse-compact.ts'
import { selectVerificationKey } from '../../keys/select-key.ts'
import type { Platform, VerificationKey } from '../../platform/types.ts'
import type { Jwk, SupportedAlgorithm } from '../../jose/jwk.ts'
import type { TokenGrants } from '../../scope/api-role.ts'
import type { ResolvedVerifierOptions } from '../resolve-options.ts'
import type { VerifiedAccessToken, VerifyOptions } from '../types.ts'
import type { Outcome } from '../verification-pipeline.ts'
import { authorizeCachedToken, type AuthorizationMemo, type AuthorizeStage } from './authorize.ts'
import { uncheckedClaimsOf, unauthorizedToken } from './verified-token.ts'

/** The keys as the pipeline reads them: synchronously, without starting any work. */
export interface KeyView {
  /** The snapshot to verify against now, or `undefined` when the key set has work to do first. */
  readonly freshAt: (nowMs: number) => JwksSnapshot | undefined
  /** The last good snapshot, even one being refreshed (verified-token cache hits check their key is still published). */
  readonly peekAt: (nowMs: number) => JwksSnapshot | undefined
}

/** What the pipeline hands to its caller when keys need work: the token, already parsed. */
export interface NeedsKeys {
  readonly _tag: 'NeedsKeys'
  /** The token as it was given (the verified-token cache key once verified). */
  readonly token: unknown
  readonly parsed: ParsedJws
  readonly header: CheckedHeader
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

type CachedToken = AuthorizationMemo

/** An imported key, with its settled result kept beside the promise so the hot path can read it synchronously. */
interface ImportedKey {
  readonly promise: Promise<VerificationKey>
  settled?: { readonly key: VerificationKey } | { readonly error: KeyError }
}

/** The JWT stage of one verifier. */
export interface JwtStage {
  /** Verifies a token when no key work is needed: the answer (a promise for asynchronous signature checks), or `NeedsKeys`. */
  readonly verify: (raw: unknown, nowMs: number, verifyOptions?: VerifyOptions) => Outcome | Promise<Outcome> | NeedsKeys
  /** Finishes a `NeedsKeys` token against a snapshot the caller obtained. */
  readonly completeWith: (needs: NeedsKeys, snapshot: JwksSnapshot, nowMs: number, verifyOptions?: VerifyOptions) => Outcome | Promise<Outcome>
  readonly size: () => number
  readonly clear: () => void
}

/**
 * Builds the JWT stage: its key-import cache (per JWK object, so a new snapshot's keys are
 * imported afresh) and its verified-token cache.
 *
 * @example
 * ```ts
 * const jwt = createJwtStage(resolved, platform, keys, createAuthorizeStage(undefined), grantsOf)
 * const answer = jwt.verify(token, Date.now())
 * ```
 */
export function createJwtStage(
  resolved: ResolvedVerifierOptions,
  platform: Platform,
  keys: KeyView,
  authorize: AuthorizeStage,
  grantsOf: (payload: Readonly<Record<string, unknown>>) => TokenGrants,
): JwtStage {
  const { server } = resolved
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
  const claimExpectations =
    resolved.options.profile === 'client_assertion'
      ? { ...server, profile: 'client_assertion' as const }
      : checksSenderConstraints(server)
        ? { ...server, senderConstrained: true }
        : server
  const uncheckedClaims = uncheckedClaimsOf(server)

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
    return authorizeCachedToken(authorize, hit, verifyOptions)
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
      const token: CachedToken['token'] = unauthorizedToken(server, c, grants, parsed.payload, uncheckedClaims, { alg, kid, typ })
      // A first sighting only leaves a fingerprint: no entry is built or kept for it.
      if (typeof raw === 'string' && resolved.cacheMaxEntries > 0 && cache.admit(raw)) {
        cache.set(raw, { value: { token }, expiresAt: c.expiresAt, notBefore: c.notBefore, kid, keyGeneration: snapshot.generation })
      }
      return authorize(token, verifyOptions, false)
    }
    const valid = platform.signature.verify(key, parsed.signingInput, parsed.signature)
    return typeof valid === 'boolean' ? afterSignature(valid) : valid.then(afterSignature)
  }

  const verify = (raw: unknown, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsKeys => {
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

  return { verify, completeWith, size: () => cache.size, clear: () => cache.clear() }
}
