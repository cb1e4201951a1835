/**
 * Credentials by scheme: which authentication scheme the `Authorization` header uses and its
 * token. `Bearer` (RFC 6750) today; `DPoP` (RFC 9449) is recognised so the DPoP stage can plug in
 * without another parser.
 *
 * @module
 */
import { InvalidRequestError, MissingTokenError } from '../errors.ts'
import { headerValues, type TokenRequest } from '../http/bearer.ts'
import { err, ok, type Result } from '../result.ts'

/**
 * The authentication schemes tokenward reads from `Authorization`.
 *
 * @example
 * ```ts
 * const scheme: CredentialScheme = 'DPoP'
 * ```
 */
export type CredentialScheme = 'Bearer' | 'DPoP'

/**
 * The credentials of a request: the scheme as tokenward spells it, and the token after it.
 *
 * @example
 * ```ts
 * const credentials: Credentials = { scheme: 'Bearer', token: 'eyJ...' }
 * ```
 */
export interface Credentials {
  readonly scheme: CredentialScheme
  readonly token: string
}

const schemes: Readonly<Record<string, CredentialScheme>> = { bearer: 'Bearer', dpop: 'DPoP' }

/**
 * Reads the credentials of a request from its one `Authorization` header. Scheme names are
 * case-insensitive (RFC 9110 §11.1). No header, or a scheme tokenward does not read (Basic…), is
 * `missing_token` (401 with a bare challenge); two headers or an empty token are
 * `invalid_request` (400). The token's syntax is the verifier's to check. Pure.
 *
 * @example
 * ```ts
 * const read = readCredentials({ headers: { authorization: 'DPoP eyJ...' } })
 * if (read.ok && read.value.scheme === 'DPoP') console.log('sender-constrained token')
 * ```
 */
export function readCredentials(request: Pick<TokenRequest, 'headers'>): Result<Credentials, MissingTokenError | InvalidRequestError> {
  const values = headerValues(request.headers, 'authorization')
  if (values.length === 0) return err(new MissingTokenError('The request carries no access token'))
  if (values.length > 1) return err(new InvalidRequestError('The request has more than one Authorization header'))
  const value = values[0]!
  const space = value.indexOf(' ')
  const name = space === -1 ? value : value.slice(0, space)
  const scheme = Object.hasOwn(schemes, name.toLowerCase()) ? schemes[name.toLowerCase()] : undefined
  if (scheme === undefined) {
    return err(new MissingTokenError('The Authorization header does not use a scheme tokenward reads', { expected: 'Bearer', actual: name.slice(0, 32) }))
  }
  let start = space + 1
  while (value.charCodeAt(start) === 0x20) start++
  if (space === -1 || start >= value.length) return err(new InvalidRequestError(`The Authorization header has an empty ${scheme} token`))
  return ok({ scheme, token: value.slice(start) })
}
