/**
 * The token endpoint's errors, exactly the RFC 6749 §5.2 codes (plus RFC 8707's `invalid_target`).
 *
 * @module
 */

/**
 * RFC 6749 §5.2 error codes, `invalid_target` from RFC 8707 §2, and RFC 9449 §5's
 * `invalid_dpop_proof` and `use_dpop_nonce`.
 *
 * @example
 * ```ts
 * const code: TokenErrorCode = 'invalid_scope'
 * ```
 */
export type TokenErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_target'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce'

/**
 * A token request the issuer refuses: 400, or 401 for `invalid_client`. The `description` is
 * safe to send (it never holds a secret or an assertion).
 *
 * @example
 * ```ts
 * const e = new TokenEndpointError('invalid_scope', 'The client may not have the role Admin')
 * e.status // 400
 * ```
 */
export class TokenEndpointError extends Error {
  readonly _tag = 'TokenEndpointError' as const
  readonly status: 400 | 401
  constructor(
    readonly code: TokenErrorCode,
    readonly description: string,
    options: { readonly cause?: unknown } = {},
  ) {
    super(description, options.cause === undefined ? undefined : { cause: options.cause })
    this.status = code === 'invalid_client' ? 401 : 400
  }
  override get name(): string {
    return 'TokenEndpointError'
  }
}

/**
 * Whether a value is a {@link TokenEndpointError}, also across two installed copies of the package.
 *
 * @example
 * ```ts
 * if (isTokenEndpointError(e)) console.log(e.code)
 * ```
 */
export function isTokenEndpointError(value: unknown): value is TokenEndpointError {
  return value instanceof TokenEndpointError || (typeof value === 'object' && value !== null && (value as { _tag?: unknown })._tag === 'TokenEndpointError')
}
