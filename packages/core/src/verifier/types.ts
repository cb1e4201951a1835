/**
 * The shapes a verifier is configured with and answers with; shared by the Effect and Promise doors.
 *
 * @module
 */
import type { IntrospectionCache } from '../state/introspection-cache.ts'
import type { ReplayStore } from '../state/replay-store.ts'
import type { SenderBinding } from '../sender-constraint/check-sender-constraint.ts'
import type { ClientIdClaim } from '../claims/validate-claims.ts'
import type { AuthorizationServerConfig, AuthorizationServerInput } from '../config/authorization-server.ts'
import type { DiscoveryEvent } from '../discovery/discovery-client.ts'
import type { IntrospectionEvent, ServerTargetFailoverEvent } from '../introspection/introspection-event.ts'
import type { JwksEvent } from '../jwks/jwks-event.ts'
import type { AddressPolicy, AddressPolicyOptions } from '../network/address-policy.ts'
import type { SupportedAlgorithm } from '../jose/jwk.ts'
import type { ApiRole } from '../scope/api-role.ts'
import type { ApiResourceTable } from '../scope/api-resource-table.ts'
import type { VerificationError } from '../errors.ts'
import type { ChallengeResponse } from '../http/challenge.ts'

/** The organization whose API roles a token must carry. */
export interface OrganizationAccess {
  /** The cloud name as it appears in scope values (`<cloud>::<orgId>::<role>`). */
  readonly cloud: string
  readonly orgId: string
  /** Domain used in audit admin IDs: `oauth-<role>$@<orgId>.<cloudDomain>`. */
  readonly cloudDomain: string
  /** The API roles this organization configured; a token must carry one of them. */
  readonly apiRoles: readonly string[]
  /**
   * Role name → the API resource categories it grants (the organization's `apiRoles` map), for
   * calls that serve a category (`resource` or `resources`): such a call passes only with a role
   * that grants its category. `organizationAccessOf(org)` fills it.
   */
  readonly apiRoleCategories?: Readonly<Record<string, readonly string[]>> | undefined
}

/** JWKS fetching and caching knobs. Every field has a safe default. */
export interface JwksOptions {
  /** Per-fetch timeout. Default 5000 ms. */
  readonly timeoutMs?: number
  /** Largest accepted JWKS body. Default 512 KiB. */
  readonly maxBytes?: number
  /** Lower bound on an honoured `Cache-Control: max-age`. Default 60 s. */
  readonly minMaxAgeSeconds?: number
  /** Upper bound on an honoured `Cache-Control: max-age`. Default 86400 s. */
  readonly maxMaxAgeSeconds?: number
  /** Freshness when the response has no max-age. Default 600 s. */
  readonly defaultMaxAgeSeconds?: number
  /** Start a background refresh this long before the keys expire. Default 30 s. */
  readonly refreshAheadSeconds?: number
  /** At most one refetch caused by unknown `kid`s per this window. Default 30 s. */
  readonly unknownKidCooldownSeconds?: number
  /** The same window once the server has answered a conditional refetch with 304. Default 5 s. */
  readonly revalidatedUnknownKidCooldownSeconds?: number
  /** After a failed fetch, wait this long before trying again. Default 5 s. */
  readonly failureCooldownSeconds?: number
  /** How long past expiry the last good keys may still be served while the provider fails. Default 3600 s. */
  readonly maxStaleSeconds?: number
  /**
   * Which addresses the JWKS URL may reach, for URLs a tenant supplied (see `defineAddressPolicy`):
   * https to public addresses only, plus what `allow` opens; on Node.js every address DNS returns
   * is checked at connect time. A refused fetch fails like an unreachable provider (kind
   * `address_not_allowed`). The same policy governs the introspection endpoint (over `fetch`,
   * where only literal addresses can be checked, other host names are refused). Default: none here (your own configuration); the registry verifier
   * defaults to the strict policy `{}`, and `null` there opts out.
   */
  readonly addressPolicy?: AddressPolicyOptions | AddressPolicy | null | undefined
}

/**
 * Introspection request knobs.
 *
 * @example
 * ```ts
 * createVerifier({ server, introspection: { timeoutMs: 2000 } })
 * ```
 */
export interface IntrospectionOptions {
  /** Per-request timeout. Default 5000 ms. */
  readonly timeoutMs?: number
  /** Largest accepted answer. Default 65536 bytes. */
  readonly maxBytes?: number
}

/** Events a verifier emits for logging and metrics. Never contain tokens, secrets or key material. */
export type VerifierEvent = JwksEvent | IntrospectionEvent | DiscoveryEvent | ServerTargetFailoverEvent

/** Options of a verifier (both doors). */
export interface VerifierOptions {
  /** The authorization server whose tokens are accepted (validated when the verifier is built). */
  readonly server: AuthorizationServerInput | AuthorizationServerConfig
  /** When set, every token must carry one of this organization's API roles (403 otherwise). */
  readonly organization?: OrganizationAccess | undefined
  /** JWKS fetching knobs. */
  readonly jwks?: JwksOptions | undefined
  /**
   * Cache of successful verifications. Default `{ maxEntries: 10000 }`; `false` turns it off
   * (explicitly). A token enters on its second verification (evicting the least recently used
   * once full) and is served from the cache from its third on; a token seen once costs the cache
   * only a fingerprint in a fixed table, so tokens that never repeat cost it nothing.
   */
  readonly cache?: { readonly maxEntries?: number } | false | undefined
  /**
   * Which kind of token this verifier accepts. Default `access_token`. `client_assertion` verifies
   * RFC 7523 client assertions instead (as `@tokenward/issuer` does at its token endpoint): the
   * same JWS rules, keys and time checks, but the client is the `sub`, which must equal `iss`, and
   * no client-ID claim or access-token-kind check applies. Not combinable with `organization`.
   */
  readonly profile?: 'access_token' | 'client_assertion' | undefined
  /** Introspection request knobs (servers with `introspection`). Every field has a safe default. */
  readonly introspection?: IntrospectionOptions | undefined
  /** `realm` for `WWW-Authenticate` challenges rendered by `verifyRequest`. */
  readonly realm?: string | undefined
  /**
   * The URL of this API's protected-resource metadata (RFC 9728), sent as `resource_metadata` on
   * every challenge `verifyRequest` renders (not on 503 answers), e.g.
   * `protectedResourceMetadataUrl('https://api.example.com')` →
   * `https://api.example.com/.well-known/oauth-protected-resource`. An absolute `https:` URL
   * (`http:` only on a loopback host), without credentials or fragment. Default: none.
   */
  readonly resourceMetadataUrl?: string | undefined
  /**
   * Receives JWKS events (fetched, not modified, failed, stale served, refetch suppressed), one
   * `introspection` event per introspection request, and, for a server with `discovery`, the
   * metadata events (`discovery_fetched`, `discovery_fetch_failed` — also for a document naming
   * another issuer or lacking a needed endpoint — and `discovery_stale_served`), and one
   * `target_failover` each time an introspection request moves on to the next of the server's
   * `targets` (server, from-origin, to-origin, reason class; never a token). Must not throw
   * (errors are ignored).
   */
  readonly onEvent?: ((event: VerifierEvent) => void) | undefined
  /**
   * Where DPoP proof identifiers (`jti`) are remembered, when the server checks DPoP (RFC 9449
   * §11.1). Default: a bounded in-memory store for this verifier. Give one shared store to every
   * instance that serves the same API (`remember` must throw when it cannot answer: the request
   * then gets 503, never a silent accept).
   */
  readonly replayStore?: ReplayStore | undefined
  /**
   * The API resource table (`defineApiResources`) every `verifyRequest` is matched against: the
   * request's method and raw path give the category its token's API role must grant (403
   * `insufficient_scope` otherwise, and for requests the table does not map unless it says
   * `unmapped: 'any-role'`). Needs `organization` with `apiRoleCategories`. A per-call `resource`
   * wins over the table; `verify(token)` without a request must name its `resource`.
   */
  readonly resources?: ApiResourceTable | undefined
  /**
   * A second-level cache of active introspection answers shared by every instance of the API
   * (`createMemoryIntrospectionCache`, or `createRedisIntrospectionCache` of `@tokenward/redis`),
   * asked only when this verifier's own cache misses. Keys are SHA-256 digests, never the token;
   * an entry lives no longer than the local cache would keep it. When the shared cache fails,
   * it is bypassed: the authorization server is asked, and no request fails because of it.
   * Default: none.
   */
  readonly introspectionCache?: IntrospectionCache | undefined
}

/** Per-call options. */
export interface VerifyOptions {
  /**
   * Accept only these API roles for this call (a subset of the organization's roles, e.g. for a
   * write route). Requires `organization` on the verifier.
   */
  readonly requiredRoles?: readonly string[] | undefined
  /**
   * The API resource category this call serves (e.g. `'reports'`): the token passes only with an
   * API role whose categories (the organization's `apiRoleCategories`) include it; else 403
   * `insufficient_scope` naming the category and the roles that would pass. Wins over a table.
   */
  readonly resource?: string | undefined
  /**
   * An API resource table (`defineApiResources`) to match this request against (see
   * `VerifierOptions.resources`); only for `verifyRequest`.
   */
  readonly resources?: ApiResourceTable | undefined
  /**
   * The route pattern the platform's router chose for this request (`/orgs/{orgId}/reports`, as
   * API Gateway HTTP APIs give it in `routeKey`): with a table, the row of that route shape is
   * used instead of reading the request path (`ApiResourceTable.matchRoute`).
   */
  readonly route?: string | undefined
}

/** The authorization decision attached to a token when the verifier knows the organization. */
export interface Authorization {
  /** The API role that authorized the call. */
  readonly apiRole: ApiRole
  /** The ID the call is audited under: `oauth-<role>$@<orgId>.<cloudDomain>`. */
  readonly adminId: string
}

/** An accepted access token. */
export interface VerifiedAccessToken {
  /** Name of the authorization server that issued it. */
  readonly authorizationServer: string
  readonly clientId: string
  /** Which claim carried the client identifier. */
  readonly clientIdClaim: ClientIdClaim
  readonly subject: string | undefined
  readonly issuer: string | undefined
  readonly audience: readonly string[]
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number
  readonly issuedAt: number | undefined
  readonly scopes: readonly string[]
  readonly roles: readonly string[]
  /** Well-formed `<cloud>::<orgId>::<role>` values among scopes and roles. */
  readonly apiRoles: readonly ApiRole[]
  /** The JOSE header's `alg`, `kid` and `typ`; all `undefined` for an introspected token, which has none. */
  readonly header: { readonly alg: SupportedAlgorithm | undefined; readonly kid: string | undefined; readonly typ: string | undefined }
  /** Every claim of the payload. */
  readonly claims: Readonly<Record<string, unknown>>
  /** Checks skipped because the server config does not ask for them (`iss`, `aud`, `client_id`). */
  readonly uncheckedClaims: readonly ('iss' | 'aud' | 'client_id')[]
  /** Present when the verifier was given an organization. */
  readonly authorization: Authorization | undefined
  /** `'introspection'` when the authorization server vouched for the token (RFC 7662); absent for a locally verified JWT. */
  readonly source?: 'introspection' | undefined
  /** True when this answer came from the verified-token (or introspection) cache. */
  readonly fromCache: boolean
  /**
   * How the request proved the token was its own, when the server checks sender constraints
   * (`dpop` or `mtls`): `{ type: 'dpop', jkt }`, `{ type: 'mtls', 'x5t#S256' }`, or `null` for an
   * unbound token. Absent when the server checks none.
   */
  readonly binding?: SenderBinding | undefined
  /** A fresh DPoP nonce to send with the answer (`DPoP-Nonce`), when the one the proof used is about to expire. */
  readonly dpopNonce?: string | undefined
}

/** Health of a verifier, for status pages and the admin API. */
export interface VerifierStatus {
  readonly authorizationServer: string
  readonly enabled: boolean
  readonly jwksSource: string
  readonly lastSuccessfulFetchAt: Date | undefined
  readonly lastFailure: { readonly at: Date; readonly reason: string } | undefined
  readonly fetchCount: number
  readonly keyCount: number
  readonly stale: boolean
  readonly cachedTokens: number
}

/** The outcome of `Verifier.verifyRequest`: the principal, or the error with its rendered HTTP answer. */
export type RequestVerdict =
  | { readonly ok: true; readonly token: VerifiedAccessToken }
  | { readonly ok: false; readonly error: VerificationError; readonly response: ChallengeResponse }
