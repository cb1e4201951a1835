/**
 * The introspect stage: opaque tokens (and, with `mode: 'always'`, every token) are asked about at
 * the authorization server (RFC 7662) instead of verified locally. A cache hit answers
 * synchronously, like a verified-token cache hit; a miss hands the pipeline's caller a
 * `NeedsIntrospection`, the same "needs work" hand-off keys use.
 *
 * The cache is keyed by the SHA-256 of the token (plus the sent audience), never the token itself.
 * It belongs to one verifier, that is to one server config (name, endpoint, client ID, revision):
 * a changed config builds a new verifier whose cache starts empty, so that identity is part of
 * every key without being hashed on each lookup.
 * Active answers stay `min(TTL, exp − now)`, at most the no-`exp` ceiling when the AS sent none;
 * inactive answers only {@link inactiveCacheSeconds} and in a small separate table, so junk tokens
 * cannot push out good ones. One request per token at a time (single flight).
 *
 * @module
 */
import { checksSenderConstraints } from './binding.ts'
import type { AuthorizationServerConfig } from '../../config/authorization-server.ts'
import type { IntrospectionConfig } from '../../config/introspection.ts'
import { InactiveTokenError, IntrospectionUnavailableError, type InsufficientScopeError, type VerificationError } from '../../errors.ts'
import { defaultNoExpiryCeilingSeconds, introspectionCacheSeconds, validateIntrospectionAnswer } from '../../introspection/decode-response.ts'
import type { IntrospectionClient } from '../../introspection/introspection-client.ts'
import type { IntrospectionEvent, IntrospectionOutcome } from '../../introspection/introspection-event.ts'
import { sha256Hex, sha256Key } from '../../introspection/token-digest.ts'
import type { IntrospectionCache, IntrospectionCacheEntry } from '../../state/introspection-cache.ts'
import type { TokenGrants } from '../../scope/api-role.ts'
import type { VerifiedAccessToken } from '../types.ts'
import { uncheckedClaimsOf, unauthorizedToken } from './verified-token.ts'
import type { AuthorizationMemo } from './authorize.ts'

/** A token the stage accepted, before authorization. */
export type IntrospectedToken = Omit<VerifiedAccessToken, 'authorization' | 'fromCache'>

/** A cached active answer; the pipeline keeps its authorized answer (for calls without per-call options) beside it. */
export interface IntrospectionHit extends AuthorizationMemo {
  readonly token: IntrospectedToken
}

/** Seconds an inactive answer is remembered (locally only). */
export const inactiveCacheSeconds = 5
/** Inactive answers remembered at most. */
const maxInactiveEntries = 1024

/** The pipeline's hand-off when an introspection request is needed. */
export interface NeedsIntrospection {
  readonly _tag: 'NeedsIntrospection'
  readonly token: string
  /** The `aud` to send (request URI without query), with `sendAudience`. */
  readonly sentAudience: string | undefined
}

/** The introspect stage of one verifier. */
export interface IntrospectStage {
  /** True when `token` goes to introspection rather than to the JWT stage. */
  readonly takes: (token: string) => boolean
  /** The cached answer for `token` (accepted token or inactive refusal), else a `NeedsIntrospection`. */
  readonly lookup: (token: string, requestUrl: string | undefined, nowMs: number) => IntrospectionHit | InactiveTokenError | NeedsIntrospection
  /** Introspects (once per token at a time) and caches the answer. Never rejects. */
  readonly run: (needs: NeedsIntrospection, nowMs: number) => Promise<IntrospectedToken | VerificationError>
  readonly size: () => number
  readonly clear: () => void
}

interface Entry<V> {
  readonly value: V
  readonly untilMs: number
}

/**
 * True for a token with the shape of a JWS compact serialization (exactly two dots).
 *
 * @example
 * ```ts
 * isJwtShaped('a.b.c') // true
 * isJwtShaped('2YotnFZFEjr1zCsicMWpAA') // false
 * ```
 */
export function isJwtShaped(token: string): boolean {
  const first = token.indexOf('.')
  if (first < 0) return false
  const second = token.indexOf('.', first + 1)
  return second >= 0 && token.indexOf('.', second + 1) < 0
}

/**
 * Builds the introspect stage for a server with an `introspection` section.
 *
 * @example
 * ```ts
 * const stage = createIntrospectStage(server, server.introspection!, client, { grantsOf, maxEntries: 10000, onEvent })
 * ```
 */
export function createIntrospectStage(
  server: AuthorizationServerConfig,
  config: IntrospectionConfig & { readonly endpoint: string },
  client: IntrospectionClient,
  options: {
    readonly grantsOf: (payload: Readonly<Record<string, unknown>>) => TokenGrants
    readonly maxEntries: number
    readonly onEvent?: ((event: IntrospectionEvent) => void) | undefined
    /** A second-level cache shared with other instances, asked on a local miss; bypassed when it fails. */
    readonly sharedCache?: IntrospectionCache | undefined
  },
): IntrospectStage {
  const hasKeys = server.jwks !== undefined || server.jwksUrl !== undefined
  const bindingChecked = checksSenderConstraints(server)
  const always = config.mode === 'always' || !hasKeys
  const active = new Map<string, Entry<IntrospectionHit>>()
  const inactive = new Map<string, Entry<InactiveTokenError>>()
  const inFlight = new Map<string, Promise<IntrospectedToken | VerificationError>>()
  const uncheckedClaims = uncheckedClaimsOf(server)
  const subjectAttribute = server.subjectAttributeName ?? 'sub'
  const policy = { cacheTokens: config.cacheTokens, tokenTimeToLiveSeconds: config.tokenTimeToLiveSeconds, noExpiryCeilingSeconds: defaultNoExpiryCeilingSeconds }
  const maxEntries = Math.max(1, options.maxEntries)

  const keyOf = (token: string, sentAudience: string | undefined) => (sentAudience === undefined ? sha256Key(token) : `${sha256Key(token)}\n${sentAudience}`)
  const remember = <V>(map: Map<string, Entry<V>>, limit: number, key: string, value: V, untilMs: number) => {
    map.delete(key)
    if (map.size >= limit) map.delete(map.keys().next().value as string)
    map.set(key, { value, untilMs })
  }
  const fresh = <V>(map: Map<string, Entry<V>>, key: string, nowMs: number): V | undefined => {
    const entry = map.get(key)
    if (entry === undefined) return undefined
    if (nowMs < entry.untilMs) return entry.value
    map.delete(key)
    return undefined
  }

  const emit = (event: Omit<IntrospectionEvent, 'type' | 'stage' | 'authorizationServer' | 'endpointKind' | 'url'>) => {
    if (options.onEvent === undefined || server.audit === false) return
    try {
      options.onEvent({ type: 'introspection', stage: 'introspect', authorizationServer: server.name, endpointKind: 'introspection', url: config.endpoint, ...event })
    } catch {
      // A logger that throws must not change the verdict.
    }
  }

  const sharedCache = options.sharedCache
  /** The shared cache's entry for this request, or `undefined` (none, ended, or the cache failed: bypassed). */
  const sharedEntry = async (sharedKey: string, nowMs: number): Promise<IntrospectionCacheEntry | undefined> => {
    try {
      const entry = await sharedCache!.get(sharedKey)
      return entry !== undefined && entry.expiresAtMs > nowMs && entry.answer !== null && typeof entry.answer === 'object' ? entry : undefined
    } catch {
      return undefined
    }
  }

  const introspect = async (needs: NeedsIntrospection, key: string, nowMs: number): Promise<IntrospectedToken | VerificationError> => {
    // The shared key names the endpoint, client, server and audience the token was asked with:
    // an answer from one authorization server is never used for another.
    const sharedKey = sharedCache === undefined ? undefined : sha256Hex(`${config.endpoint}\n${config.clientId}\n${server.name}\n${needs.sentAudience ?? ''}\n${needs.token}`)
    const shared = sharedKey === undefined ? undefined : await sharedEntry(sharedKey, nowMs)
    if (shared !== undefined) return accept(needs, shared.answer, key, nowMs, () => undefined, shared.expiresAtMs, undefined)
    const exchange = await client(needs.token, needs.sentAudience, nowMs)
    const base = { status: exchange.status, latencyMs: exchange.latencyMs, tokenFingerprint: sha256Hex(needs.token).slice(0, 12) }
    const report = (outcome: IntrospectionOutcome, subject: string | undefined, message: string | undefined) => emit({ ...base, outcome, subject, message })
    const result = exchange.result
    if (!result.ok) {
      report(result.kind === 'unsupported_token_type' ? 'inactive' : result.kind, undefined, result.message)
      if (result.kind === 'unsupported_token_type') return new InactiveTokenError(result.message)
      // The error's message reaches the API caller (error_description): a misconfiguration is
      // named only in the event, for the operator.
      const message = result.kind === 'misconfigured' ? `The introspection endpoint refused the request${exchange.status === undefined ? '' : ` (HTTP ${exchange.status})`}` : result.message
      return new IntrospectionUnavailableError(message, { retryAfterSeconds: result.retryAfterSeconds ?? (result.kind === 'misconfigured' ? 30 : 5) })
    }
    return accept(needs, result.answer, key, nowMs, report, undefined, sharedKey)
  }

  /**
   * Validates an answer (fresh from the AS, or from the shared cache, whose entry ends at
   * `sharedUntilMs`) and caches it locally; a fresh active answer is also shared under `sharedKey`.
   */
  const accept = (
    needs: NeedsIntrospection,
    answer: Readonly<Record<string, unknown>>,
    key: string,
    nowMs: number,
    report: (outcome: IntrospectionOutcome, subject: string | undefined, message: string | undefined) => void,
    sharedUntilMs: number | undefined,
    sharedKey: string | undefined,
  ): IntrospectedToken | VerificationError => {
    const nowSeconds = nowMs / 1000
    const checked = validateIntrospectionAnswer(
      answer,
      { ...server, sendAudience: needs.sentAudience !== undefined, noExpiryCeilingSeconds: defaultNoExpiryCeilingSeconds, senderConstrained: bindingChecked },
      nowSeconds,
    )
    const subjectValue = answer[subjectAttribute]
    const subject = typeof subjectValue === 'string' ? subjectValue.slice(0, 256) : undefined
    if (!checked.ok) {
      const error = checked.error
      if (error instanceof InactiveTokenError) {
        report('inactive', undefined, undefined)
        if (config.cacheTokens) remember(inactive, maxInactiveEntries, key, error, nowMs + inactiveCacheSeconds * 1000)
      } else report('refused', subject, error.code)
      return error
    }
    report('active', subject, undefined)
    const c = checked.value.claims
    const grants = options.grantsOf(checked.value.payload)
    const token: IntrospectedToken = {
      ...unauthorizedToken(server, c, grants, checked.value.payload, uncheckedClaims, { alg: undefined, kid: undefined, typ: undefined }),
      source: 'introspection',
    }
    const seconds = introspectionCacheSeconds(policy, { expiresAt: c.expiresAt, expiryFromCeiling: checked.value.expiryFromCeiling }, nowSeconds)
    // A shared entry is never kept longer than it lives in the shared cache.
    const untilMs = Math.min(nowMs + seconds * 1000, sharedUntilMs ?? Infinity)
    if (untilMs > nowMs) remember(active, maxEntries, key, { token }, untilMs)
    if (sharedKey !== undefined && seconds > 0) {
      // Best effort: a cache that cannot store never fails the request.
      Promise.resolve()
        .then(() => sharedCache!.set(sharedKey, { answer, expiresAtMs: nowMs + seconds * 1000 }))
        .catch(() => undefined)
    }
    return token
  }

  return {
    takes: (token) => always || !isJwtShaped(token),
    lookup: (token, requestUrl, nowMs) => {
      const sentAudience = config.sendAudience && requestUrl !== undefined ? audienceOf(requestUrl) : undefined
      const key = keyOf(token, sentAudience)
      const hit = fresh(active, key, nowMs) ?? fresh(inactive, key, nowMs)
      // An entry lives at most until the token's exp, so a hit needs no further time check.
      if (hit !== undefined) return hit
      return { _tag: 'NeedsIntrospection', token, sentAudience }
    },
    run: (needs, nowMs) => {
      const key = keyOf(needs.token, needs.sentAudience)
      let pending = inFlight.get(key)
      if (pending === undefined) {
        pending = introspect(needs, key, nowMs).finally(() => inFlight.delete(key))
        inFlight.set(key, pending)
      }
      return pending
    },
    size: () => active.size,
    clear: () => {
      active.clear()
      inactive.clear()
    },
  }
}

/** The requested URI without its query or fragment, as sent in `aud`. */
function audienceOf(requestUrl: string): string | undefined {
  try {
    const url = new URL(requestUrl)
    return `${url.origin}${url.pathname}`
  } catch {
    return undefined
  }
}
