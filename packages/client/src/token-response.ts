/**
 * Reading a token endpoint's answer (RFC 6749 §5.1 and §5.2, RFC 9449 §5): pure, from status and
 * body bytes to a token, a rejection, or "unusable".
 *
 * @module
 */

/**
 * An access token as the client holds it.
 *
 * @example
 * ```ts
 * const token: AccessToken = await client.getToken()
 * fetch(url, { headers: { authorization: `${token.tokenType} ${token.accessToken}` } })
 * ```
 */
export interface AccessToken {
  readonly accessToken: string
  /** `Bearer` or `DPoP` (normalised spelling). */
  readonly tokenType: 'Bearer' | 'DPoP'
  /** When the token expires, ms since the epoch (from `expires_in`, or the client's default lifetime). */
  readonly expiresAt: number
  /** The scope granted, when the server said (else the one requested). */
  readonly scope: string | undefined
}

/** What a token endpoint's answer amounts to. */
export type TokenAnswer =
  | { readonly kind: 'token'; readonly token: AccessToken }
  | { readonly kind: 'error'; readonly error: string | undefined; readonly description: string | undefined }
  | { readonly kind: 'unusable'; readonly reason: string }

const decoder = new TextDecoder('utf-8', { fatal: true })

const readJson = (body: Uint8Array): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(decoder.decode(body))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

// RFC 6749 Appendix A.12: printable ASCII (NQCHAR); A.11: error and description are NQSCHAR.
const printable = /^[\x20-\x7e]+$/
const shortText = (value: unknown, max: number): string | undefined => (typeof value === 'string' && printable.test(value) ? value.slice(0, max) : undefined)

/**
 * Reads a token endpoint answer at `now` (ms). A 200 must be a JSON object with a non-empty
 * printable `access_token`, a `token_type` of `Bearer` or `DPoP` (any case), and, when present, a
 * positive integer `expires_in` (else `defaultLifetimeSeconds`). A 400/401 with a JSON `error` is
 * an `error`. Anything else is `unusable`.
 *
 * @example
 * ```ts
 * readTokenAnswer(200, new TextEncoder().encode('{"access_token":"a","token_type":"Bearer","expires_in":60}'), 0, 300)
 * // { kind: 'token', token: { accessToken: 'a', tokenType: 'Bearer', expiresAt: 60000, scope: undefined } }
 * ```
 */
export function readTokenAnswer(status: number, body: Uint8Array, now: number, defaultLifetimeSeconds: number): TokenAnswer {
  const json = readJson(body)
  if (status === 200) {
    if (json === undefined) return { kind: 'unusable', reason: 'the token response is not a JSON object' }
    const accessToken = json.access_token
    if (typeof accessToken !== 'string' || accessToken === '' || !printable.test(accessToken)) return { kind: 'unusable', reason: 'the token response has no usable access_token' }
    const type = typeof json.token_type === 'string' ? json.token_type.toLowerCase() : undefined
    if (type !== 'bearer' && type !== 'dpop') return { kind: 'unusable', reason: 'the token response has a token_type other than Bearer or DPoP' }
    const expiresIn = json.expires_in
    if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn <= 0)) {
      return { kind: 'unusable', reason: 'the token response has an expires_in that is not a positive integer' }
    }
    const lifetime = typeof expiresIn === 'number' ? expiresIn : defaultLifetimeSeconds
    return {
      kind: 'token',
      token: Object.freeze({ accessToken, tokenType: type === 'dpop' ? 'DPoP' : 'Bearer', expiresAt: now + lifetime * 1000, scope: shortText(json.scope, 4096) }),
    }
  }
  if ((status === 400 || status === 401) && json !== undefined && typeof json.error === 'string') {
    return { kind: 'error', error: shortText(json.error, 128), description: shortText(json.error_description, 512) }
  }
  return { kind: 'unusable', reason: `the token endpoint answered HTTP ${status}` }
}
