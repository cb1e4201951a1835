/**
 * Strict `application/x-www-form-urlencoded` decoding for the token endpoint: bounded, valid
 * percent-encoding and UTF-8 only, no repeated parameter (RFC 6749 §3.2), empty values omitted (§3.1).
 *
 * @module
 */
import { fromWebRequest, type IssuerHttpRequest } from '../http/issuer-http.ts'
import { TokenEndpointError } from './token-error.ts'

/** Parameters that may legitimately repeat (RFC 8707 `resource`). */
const repeatable = new Set(['resource'])
const maxParameters = 32

/** @internal Reads a Web request's body; see {@link readForm}. */
export const readFormBody = (request: Request, maxBytes: number): Promise<Map<string, string[]>> => readForm(fromWebRequest(request), maxBytes)

/** @internal Reads the request body, at most `maxBytes`, refusing anything but a form. */
export async function readForm(request: IssuerHttpRequest, maxBytes: number): Promise<Map<string, string[]>> {
  const contentType = request.header('content-type')
  const mediaType = contentType?.split(';', 1)[0]!.trim().toLowerCase()
  if (mediaType !== 'application/x-www-form-urlencoded') throw new TokenEndpointError('invalid_request', 'The body must be application/x-www-form-urlencoded')
  const declared = request.header('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw new TokenEndpointError('invalid_request', `The body is larger than ${maxBytes} bytes`)
  const bytes = await request.readBody(maxBytes)
  if (bytes === null) throw new TokenEndpointError('invalid_request', `The body is larger than ${maxBytes} bytes`)
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new TokenEndpointError('invalid_request', 'The body is not valid UTF-8')
  }
  return parseForm(text)
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

const decodeComponent = (raw: string): string => {
  // Most names and values (grant_type, a JWT) have nothing to decode.
  if (!raw.includes('%') && !raw.includes('+')) return raw
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '))
  } catch {
    throw new TokenEndpointError('invalid_request', 'The body has malformed percent-encoding')
  }
}

/** @internal Parses a form strictly; see the module comment. */
export function parseForm(text: string): Map<string, string[]> {
  const params = new Map<string, string[]>()
  if (text === '') return params
  const seen = new Set<string>()
  const pairs = text.split('&')
  if (pairs.length > maxParameters) throw new TokenEndpointError('invalid_request', `The body has more than ${maxParameters} parameters`)
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new TokenEndpointError('invalid_request', 'The body has a parameter without a name or "="')
    const name = decodeComponent(pair.slice(0, eq))
    const value = decodeComponent(pair.slice(eq + 1))
    if (seen.has(name) && !repeatable.has(name)) throw new TokenEndpointError('invalid_request', `The parameter ${JSON.stringify(name.slice(0, 64))} is repeated`)
    seen.add(name)
    if (value === '') continue
    const existing = params.get(name)
    if (existing === undefined) params.set(name, [value])
    else existing.push(value)
  }
  return params
}
