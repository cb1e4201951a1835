/**
 * The token client's failures: the authorization server said no (rejected), or it could not be
 * asked or did not answer usefully (unavailable). The two are never confused: a rejection is the
 * client's configuration at fault and is not retried; an outage is retried with backoff and, while
 * the current token is valid, hidden behind it.
 *
 * @module
 */

/**
 * The authorization server refused the token request (RFC 6749 §5.2: `invalid_client`,
 * `invalid_scope`, `unauthorized_client`, …). Not retried. Carries the server's `error` and
 * `error_description` (never a secret, an assertion or a token).
 *
 * @example
 * ```ts
 * try { await client.getToken() } catch (e) { if (e instanceof TokenRequestRejectedError) console.error(e.oauthError, e.status) }
 * ```
 */
export class TokenRequestRejectedError extends Error {
  readonly _tag = 'TokenRequestRejectedError' as const
  readonly code = 'token_request_rejected' as const
  constructor(
    message: string,
    /** The HTTP status the authorization server answered with (400 or 401 usually). */
    readonly status: number,
    /** The RFC 6749 §5.2 `error` member, when the body had one. */
    readonly oauthError: string | undefined,
    /** The `error_description` member, when the body had one. */
    readonly description: string | undefined,
  ) {
    super(message)
  }
  override get name(): string {
    return 'TokenRequestRejectedError'
  }
}

/**
 * Why a token could not be obtained although nothing was refused.
 *
 * @example
 * ```ts
 * const kind: TokenEndpointFailureKind = 'http_status'
 * ```
 */
export type TokenEndpointFailureKind = 'network' | 'timeout' | 'too_large' | 'http_status' | 'invalid_response' | 'discovery' | 'unsupported'

/**
 * The token endpoint could not be reached, answered 5xx/429 after the bounded retries, or sent a
 * response that is not a usable token response. Status 503: "could not decide", never 401.
 *
 * @example
 * ```ts
 * try { await client.getToken() } catch (e) { if (e instanceof TokenEndpointUnavailableError) retryIn(e.retryAfterSeconds ?? 5) }
 * ```
 */
export class TokenEndpointUnavailableError extends Error {
  readonly _tag = 'TokenEndpointUnavailableError' as const
  readonly code = 'token_endpoint_unavailable' as const
  readonly status = 503 as const
  constructor(
    message: string,
    readonly kind: TokenEndpointFailureKind,
    /** Seconds the server asked us to wait (`Retry-After`), when it said. */
    readonly retryAfterSeconds: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
  override get name(): string {
    return 'TokenEndpointUnavailableError'
  }
}

/**
 * Why {@link TokenClient.fetch} refused to send a token: `no_api_origins` when the client was
 * built without `apiOrigins` (tokens go nowhere until you say where, or opt out with
 * `apiOrigins: 'any'`), `origin_not_allowed` for an origin outside the list, `insecure_transport`
 * for plain `http:` to a host other than loopback.
 *
 * @example
 * ```ts
 * const reason: ApiOriginRefusalReason = 'origin_not_allowed'
 * ```
 */
export type ApiOriginRefusalReason = 'no_api_origins' | 'origin_not_allowed' | 'insecure_transport'

/**
 * {@link TokenClient.fetch} refused, before anything was sent, to attach a token to a call to this
 * origin. A programming or configuration error on the caller's side: never retried.
 *
 * @example
 * ```ts
 * try { await client.fetch('https://api.example.com/orders') } catch (e) { if (e instanceof ApiOriginRefusedError) console.error(e.reason, e.origin) }
 * ```
 */
export class ApiOriginRefusedError extends Error {
  readonly _tag = 'ApiOriginRefusedError' as const
  readonly code = 'api_origin_refused' as const
  constructor(
    message: string,
    /** Why the call was refused. */
    readonly reason: ApiOriginRefusalReason,
    /** The origin the call was for (`https://api.example.com`). */
    readonly origin: string,
  ) {
    super(message)
  }
  override get name(): string {
    return 'ApiOriginRefusedError'
  }
}

/**
 * The token client's errors, one union that narrows on `_tag` or `code`.
 *
 * @example
 * ```ts
 * const describe = (e: TokenClientError) => (e._tag === 'TokenRequestRejectedError' ? e.oauthError : e._tag === 'ApiOriginRefusedError' ? e.reason : e.kind)
 * ```
 */
export type TokenClientError = TokenRequestRejectedError | TokenEndpointUnavailableError | ApiOriginRefusedError

/**
 * True for a {@link TokenClientError}, also one made by another installed copy of this package
 * (it checks `_tag` and `code`, not `instanceof` alone).
 *
 * @example
 * ```ts
 * try { await client.getToken() } catch (e) { if (isTokenClientError(e) && e.code === 'token_endpoint_unavailable') serveDegraded() }
 * ```
 */
export function isTokenClientError(value: unknown): value is TokenClientError {
  if (value instanceof TokenRequestRejectedError || value instanceof TokenEndpointUnavailableError || value instanceof ApiOriginRefusedError) return true
  if (typeof value !== 'object' || value === null) return false
  const { _tag, code } = value as { _tag?: unknown; code?: unknown }
  return (
    (_tag === 'TokenRequestRejectedError' && code === 'token_request_rejected') ||
    (_tag === 'TokenEndpointUnavailableError' && code === 'token_endpoint_unavailable') ||
    (_tag === 'ApiOriginRefusedError' && code === 'api_origin_refused')
  )
}
