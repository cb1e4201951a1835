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
 * The token client's errors, one union that narrows on `_tag` or `code`.
 *
 * @example
 * ```ts
 * const describe = (e: TokenClientError) => (e._tag === 'TokenRequestRejectedError' ? e.oauthError : e.kind)
 * ```
 */
export type TokenClientError = TokenRequestRejectedError | TokenEndpointUnavailableError

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
  if (value instanceof TokenRequestRejectedError || value instanceof TokenEndpointUnavailableError) return true
  if (typeof value !== 'object' || value === null) return false
  const { _tag, code } = value as { _tag?: unknown; code?: unknown }
  return (_tag === 'TokenRequestRejectedError' && code === 'token_request_rejected') || (_tag === 'TokenEndpointUnavailableError' && code === 'token_endpoint_unavailable')
}
