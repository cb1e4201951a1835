/**
 * The one implementation of token verification, as named stages in order:
 *
 * 1. **credential** — read the bearer credential of the request;
 * 2. **jwt** — verified-token cache → parse → header → key selection → signature → claims, **or**
 *    **introspect** (`stages/introspect.ts`) for opaque tokens when the server has `introspection`;
 * 3. **binding** — today a refusal of sender-constrained (`cnf`) tokens, inside the claim rules,
 *    until proof-of-possession is checked;
 * 4. **authorize** (`stages/authorize.ts`) — the organization's API role.
 *
 * It does no I/O itself and needs no runtime. Whenever a stage needs asynchronous work it answers
 * with one "needs work" hand-off ({@link NeedsWork}): `NeedsKeys` (a JWKS fetch or refresh, an
 * unknown kid, a key import still settling) or `NeedsIntrospection` (a request to the
 * authorization server). The caller does that work and calls {@link VerificationPipeline.completeWith}
 * or {@link VerificationPipeline.completeIntrospection}. Every error names the stage that refused
 * it in `stage`. The Effect service and both Promise doors run this.
 *
 * @module
 */
import { createVerifiedTokenCache, type VerifiedTokenCache } from '../cache/verified-token-cache.ts'
import { validateAccessTokenClaims } from '../claims/validate-claims.ts'
import {
  InsufficientScopeError,
  InvalidSignatureError,
  isVerificationError,
  KeyError,
  MalformedTokenError,
  ServerDisabledError,
  type VerificationError,
} from '../errors.ts'
import { createIntrospectionClient } from '../introspection/introspection-client.ts'
import type { IntrospectionEvent } from '../introspection/introspection-event.ts'
import type { AddressPolicy } from '../network/address-policy.ts'
import { bearerSyntaxError, type TokenRequest } from '../http/bearer.ts'
import type { JwksSnapshot, KeySetStatus } from '../jwks/key-set.ts'
import { validateJoseHeader, type CheckedHeader } from '../jws/header.ts'
import { createHeaderMemo, parseCompactJws, type ParsedJws } from '../jws/parse-compact.ts'
import { selectVerificationKey } from '../keys/select-key.ts'
import type { HttpPost, Jwk, Platform, SupportedAlgorithm, VerificationKey } from '../platform/types.ts'
import { grantsFromClaims, type TokenGrants } from '../scope/api-role.ts'
import type { ResolvedVerifierOptions } from './resolve-options.ts'
import { createAuthorizeStage } from './stages/authorize.ts'
import { readCredential, withBearerSyntax } from './stages/credential.ts'
import { createIntrospectStage, type IntrospectStage, type NeedsIntrospection } from './stages/introspect.ts'
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

export type { NeedsIntrospection } from './stages/introspect.ts'

/** The one "needs work" hand-off: what an asynchronous stage asks its caller to do first. */
export type NeedsWork = NeedsKeys | NeedsIntrospection

/** What a pipeline's asynchronous stages are given to do their work with. */
export interface PipelineSeams {
  /** POSTs to the authorization server (introspection). Required when the server has `introspection`. */
  readonly httpPost?: HttpPost | undefined
  /** Receives introspection events. */
  readonly onEvent?: ((event: IntrospectionEvent) => void) | undefined
  /** Introspection request timeout and size limit. */
  readonly introspectionTimeoutMs?: number | undefined
  readonly introspectionMaxBytes?: number | undefined
  /** Which addresses the introspection endpoint may reach (the verifier's `jwks.addressPolicy`). */
  readonly addressPolicy?: AddressPolicy | undefined
}

/** The operations of {@link createVerificationPipeline}. */
export interface VerificationPipeline {
  /**
   * The whole verification when the keys are fresh and imported (the normal case): the answer,
   * as a promise when the platform checks signatures asynchronously (WebCrypto), or `NeedsKeys`.
   */
  readonly verifyFast: (token: unknown, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome> | NeedsWork
  /** {@link VerificationPipeline.verifyFast} for a whole request: reads the bearer credential first. */
  readonly verifyRequestFast: (request: TokenRequest, nowMs: number, options?: VerifyOptions) => Outcome | Promise<Outcome> | NeedsWork
  /** Finishes a `NeedsIntrospection` token: asks the authorization server (once per token at a time), then authorizes. */
  readonly completeIntrospection: (needs: NeedsIntrospection, nowMs: number, options?: VerifyOptions) => Promise<Outcome>
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
 * Tells a `NeedsIntrospection` hand-off apart from an answer.
 *
 * @example
 * ```ts
 * const fast = pipeline.verifyFast(token, Date.now())
 * if (isNeedsIntrospection(fast)) await pipeline.completeIntrospection(fast, Date.now())
 * ```
 */
export function isNeedsIntrospection(value: unknown): value is NeedsIntrospection {
  return typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'NeedsIntrospection'
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
export function createVerificationPipeline(resolved: ResolvedVerifierOptions, platform: Platform, keys: KeyView, seams: PipelineSeams = {}): VerificationPipeline {
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

  const authorize = createAuthorizeStage(organization)

  const introspect: IntrospectStage | undefined = (() => {
    if (server.introspection === undefined) return undefined
    if (seams.httpPost === undefined) throw new TypeError('A server with introspection needs an HTTP POST client')
    const client = createIntrospectionClient({
      config: server.introspection,
      httpPost: seams.httpPost,
      timeoutMs: seams.introspectionTimeoutMs,
      maxBytes: seams.introspectionMaxBytes,
      certificateValidation: server.jwksCertificateValidation,
      trustedCertificates: server.trustedCertificates.length > 0 ? server.trustedCertificates : undefined,
      addressPolicy: seams.addressPolicy,
    })
    return createIntrospectStage(server, server.introspection, client, {
      grantsOf,
      maxEntries: resolved.cacheMaxEntries > 0 ? resolved.cacheMaxEntries : 10_000,
      onEvent: seams.onEvent,
    })
  })()

  // The introspect stage, synchronously: a cached answer, or the hand-off. Before anything is
  // sent the token's length and bearer syntax are checked (a cached token passed them already).
  const introspectFast = (stage: IntrospectStage, raw: string, requestUrl: string | undefined, nowMs: number, verifyOptions?: VerifyOptions): Outcome | NeedsIntrospection => {
    if (raw.length > server.maxTokenLength) return new MalformedTokenError('token_too_large', `The token is longer than ${server.maxTokenLength} characters`)
    const found = stage.lookup(raw, requestUrl, nowMs)
    if (!('_tag' in found)) {
      if (verifyOptions?.requiredRoles !== undefined) return authorize(found.token, verifyOptions, true)
      found.defaultAnswer ??= authorize(found.token, undefined, true)
      return found.defaultAnswer
    }
    if (found._tag === 'NeedsIntrospection') return bearerSyntaxError(raw) ?? found
    return found
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
      const claims = validateAccessTokenClaims(parsed.payload, server, nowSeconds)
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

  const verifyFast = (raw: unknown, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsWork => {
    if (!server.enabled) return new ServerDisabledError(`The authorization server "${server.name}" is disabled`)
    if (typeof raw === 'string') {
      if (introspect !== undefined && introspect.takes(raw)) return introspectFast(introspect, raw, undefined, nowMs, verifyOptions)
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

  // The request pipeline. The credential stage reads the bearer token; then the introspect stage
  // (opaque tokens, when configured) or the JWT stage; both end in the authorize stage. Later
  // stages (DPoP proof, mTLS-bound tokens) join here, each a pure check or work the caller does
  // through the one hand-off.
  const verifyRequestFast = (request: TokenRequest, nowMs: number, verifyOptions?: VerifyOptions): Outcome | Promise<Outcome> | NeedsWork => {
    const read = readCredential(request)
    if (!read.ok) return read.error
    const token = read.value
    if (introspect !== undefined && introspect.takes(token)) {
      if (!server.enabled) return new ServerDisabledError(`The authorization server "${server.name}" is disabled`)
      return introspectFast(introspect, token, request.url, nowMs, verifyOptions)
    }
    const outcome = verifyFast(token, nowMs, verifyOptions)
    if (isNeedsKeys(outcome) || isNeedsIntrospection(outcome)) return outcome
    return outcome instanceof Promise ? outcome.then((o) => withBearerSyntax(token, o)) : withBearerSyntax(token, outcome)
  }

  const completeIntrospection = (needs: NeedsIntrospection, nowMs: number, verifyOptions?: VerifyOptions): Promise<Outcome> => {
    if (introspect === undefined) return Promise.reject(new TypeError('This server has no introspection'))
    return introspect.run(needs, nowMs).then((answer) => (isVerificationError(answer) ? answer : authorize(answer, verifyOptions, false)))
  }

  return {
    verifyFast,
    verifyRequestFast,
    completeWith,
    completeIntrospection,
    status: (keySet) => ({
      authorizationServer: server.name,
      enabled: server.enabled,
      jwksSource: keySet.source,
      lastSuccessfulFetchAt: keySet.lastSuccessfulFetchAt,
      lastFailure: keySet.lastFailure,
      fetchCount: keySet.fetchCount,
      keyCount: keySet.keyCount,
      stale: keySet.stale,
      cachedTokens: cache.size + (introspect?.size() ?? 0),
    }),
    clearCache: () => {
      cache.clear()
      introspect?.clear()
    },
  }
}
