/**
 * Strict `application/x-www-form-urlencoded` decoding for the token endpoint: bounded, valid
 * percent-encoding and UTF-8 only, no repeated parameter (RFC 6749 §3.2), empty values omitted (§3.1).
 *
 * @module
 */
import { TokenEndpointError } from './token-error.ts'

/** Parameters that may legitimately repeat (RFC 8707 `resource`). */
const repeatable = new Set(['resource'])
const maxParameters = 32

/** @internal Reads the request body, at most `maxBytes`, refusing anything but a form. */
export async function readFormBody(request: Request, maxBytes: number): Promise<Map<string, string[]>> {
  const contentType = request.headers.get('content-type')
  const mediaType = contentType?.split(';', 1)[0]!.trim().toLowerCase()
  if (mediaType !== 'application/x-www-form-urlencoded') throw new TokenEndpointError('invalid_request', 'The body must be application/x-www-form-urlencoded')
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > maxBytes) throw new TokenEndpointError('invalid_request', `The body is larger than ${maxBytes} bytes`)
  const bytes = await readBounded(request, maxBytes)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new TokenEndpointError('invalid_request', 'The body is not valid UTF-8')
  }
  return parseForm(text)
}

async function readBounded(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (request.body === null) return new Uint8Array()
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined)
      throw new TokenEndpointError('invalid_request', `The body is larger than ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) out.set(c, at), (at += c.byteLength)
  return out
}

const decodeComponent = (raw: string): string => {
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
