/**
 * Renders a verification error as the HTTP answer RFC 6750 asks for: status, a correctly escaped
 * `WWW-Authenticate` challenge, and a JSON body. Outages (503) carry `Retry-After` and no
 * `invalid_token`, so a client never mistakes an identity-provider outage for a bad token.
 *
 * @module
 */
import type { InsufficientScopeError, VerificationError } from '../errors.ts'

/** Options for {@link renderChallenge}. */
export interface ChallengeOptions {
  /** The protection space, sent as `realm`. Optional. */
  readonly realm?: string | undefined
  /** Send `error_description` in the challenge and body. Default `true`. */
  readonly includeDescription?: boolean | undefined
  /**
   * The URL of this resource's protected-resource metadata (RFC 9728 §5.1), sent as
   * `resource_metadata` on every challenge, so a client can find which authorization servers and
   * scopes the resource accepts. Optional.
   */
  readonly resourceMetadata?: string | undefined
}

/** The JSON body of an error answer. */
export interface ChallengeBody {
  /** RFC 6750 error (`invalid_request`, `invalid_token`, `insufficient_scope`), `unauthorized` for a missing token, `temporarily_unavailable` for an outage. */
  readonly error: string
  /** tokenward's stable reason code. */
  readonly code: string
  readonly error_description?: string
}

/** Everything an adapter needs to answer a refused request. Header names are lower-case. */
export interface ChallengeResponse {
  readonly status: 400 | 401 | 403 | 503
  readonly headers: Readonly<Record<string, string>>
  readonly body: ChallengeBody
}

/**
 * Turns an error into status, headers and body.
 *
 * @example
 * ```ts
 * const { status, headers, body } = renderChallenge(error, { realm: 'api' })
 * // 401, { 'www-authenticate': 'Bearer realm="api", error="invalid_token", error_description="The token has expired"', ... }
 * ```
 */
export function renderChallenge(error: VerificationError, options: ChallengeOptions = {}): ChallengeResponse {
  const describe = options.includeDescription ?? true
  const description = describe ? descriptionText(error.message) : undefined
  const headers: Record<string, string> = { 'cache-control': 'no-store', 'content-type': 'application/json' }

  if (error.status === 503) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds ?? 30)))
    return { status: 503, headers, body: withDescription({ error: 'temporarily_unavailable', code: error.code }, description) }
  }

  const params: string[] = []
  if (options.realm !== undefined) params.push(`realm=${quotedString(options.realm)}`)
  if (error.oauthError !== undefined) {
    params.push(`error="${error.oauthError}"`)
    if (description !== undefined) params.push(`error_description="${description}"`)
    if (error.code === 'insufficient_scope') {
      // Read by code, not instanceof: the error may come from another installed copy.
      const scope = scopeValue((error as InsufficientScopeError).requiredScope ?? [])
      if (scope !== '') params.push(`scope="${scope}"`)
    }
  }
  if (options.resourceMetadata !== undefined) params.push(`resource_metadata=${quotedString(options.resourceMetadata)}`)
  headers['www-authenticate'] = params.length === 0 ? 'Bearer' : `Bearer ${params.join(', ')}`
  const bodyError = error.oauthError ?? 'unauthorized'
  return { status: error.status, headers, body: withDescription({ error: bodyError, code: error.code }, description) }
}

function withDescription(body: ChallengeBody, description: string | undefined): ChallengeBody {
  return description === undefined ? body : { ...body, error_description: description }
}

/**
 * RFC 6750 §3: `error_description` may only contain %x20-21 / %x23-5B / %x5D-7E — printable ASCII
 * without `"` and `\`. Anything else is replaced, never passed through.
 */
export function descriptionText(message: string): string {
  let out = ''
  for (const ch of message.slice(0, 300)) {
    const c = ch.codePointAt(0)!
    if (c === 0x22) out += "'"
    else if (c === 0x5c) out += '/'
    else if (c >= 0x20 && c <= 0x7e) out += ch
    else out += '?'
  }
  return out
}

/** An RFC 9110 quoted-string: printable ASCII with `"` and `\` escaped; other bytes replaced. */
export function quotedString(value: string): string {
  let out = '"'
  for (const ch of value) {
    const c = ch.codePointAt(0)!
    if (c === 0x22 || c === 0x5c) out += `\\${ch}`
    else if ((c >= 0x20 && c <= 0x7e) || c === 0x09) out += ch
    else out += '?'
  }
  return `${out}"`
}

/** RFC 6750 scope: space-separated scope-tokens of %x21 / %x23-5B / %x5D-7E; others dropped. */
export function scopeValue(scopes: readonly string[]): string {
  return scopes.filter((s) => /^[\x21\x23-\x5b\x5d-\x7e]+$/.test(s)).join(' ')
}
