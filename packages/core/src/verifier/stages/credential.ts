/**
 * The credential stage: the bearer token of a request (RFC 6750 §2.1), or why there is none
 * (`missing_token`, `invalid_request`). The bearer syntax itself is checked lazily, only when a
 * later stage refuses the token (see {@link withBearerSyntax}), so the hot path runs no regex.
 *
 * @module
 */
import { TokenwardError, type VerificationError } from '../../errors.ts'
import { bearerSyntaxError, readBearerCredential } from '../../http/bearer.ts'

/** Reads the bearer credential of a request: the token, or the credential error. */
export const readCredential = readBearerCredential

/**
 * The answer a refused token gets once the bearer syntax is taken into account: a token outside
 * RFC 6750's b64token is `invalid_request`, whatever the later stage said. A token that parsed as
 * a compact JWS, or hit a cache, is within the syntax, and nothing before parsing has side
 * effects, so this is the answer checking the syntax first would give.
 *
 * @example
 * ```ts
 * withBearerSyntax('a b', new MalformedTokenError('malformed_token', 'x')).code // 'invalid_request'
 * ```
 */
export function withBearerSyntax<A>(token: string, outcome: A | VerificationError): A | VerificationError {
  return outcome instanceof TokenwardError ? (bearerSyntaxError(token) ?? (outcome as VerificationError)) : outcome
}
