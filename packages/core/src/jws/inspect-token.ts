/**
 * Decodes a token WITHOUT verifying it and explains what tokenward would make of it: the
 * debugging aid behind `tokenward inspect`. Nothing here establishes trust.
 *
 * @module
 */
import { checkBearerAccessToken, clientIdClaims } from '../claims/validate-claims.ts'
import { grantsFromClaims, type ApiRole } from '../scope/api-role.ts'
import { parseCompactJws } from './parse-compact.ts'

/** What {@link inspectToken} found. */
export interface TokenInspection {
  /** False when the token is not a well-formed compact JWS (see `problem`). */
  readonly decoded: boolean
  /** Always false: inspection never checks the signature. */
  readonly verified: false
  readonly problem?: { readonly code: string; readonly message: string }
  readonly header?: Readonly<Record<string, unknown>>
  readonly payload?: Readonly<Record<string, unknown>>
  readonly summary?: {
    readonly alg: unknown
    readonly kid: unknown
    readonly typ: unknown
    readonly issuer: unknown
    readonly audience: unknown
    readonly clientId: string | undefined
    readonly clientIdClaim: string | undefined
    readonly subject: unknown
    readonly expiresAt: string | undefined
    readonly issuedAt: string | undefined
    readonly notBefore: string | undefined
    readonly scopes: readonly string[]
    readonly roles: readonly string[]
    readonly apiRoles: readonly ApiRole[]
    /** A guess at the kind of authorization server, from the issuer and claim shapes. */
    readonly looksLike: string | undefined
  }
  /** Plain-language observations, e.g. "expired 3600 s ago", "kid absent". */
  readonly notes: readonly string[]
}

const iso = (v: unknown): string | undefined => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) < 1e11 ? new Date(v * 1000).toISOString() : undefined)

/**
 * Decodes and describes a token without verifying it.
 *
 * @example
 * ```ts
 * const report = inspectToken(jwt, Date.now() / 1000)
 * console.log(report.summary?.clientId, report.notes)
 * ```
 */
export function inspectToken(token: string, nowSeconds: number): TokenInspection {
  const parsed = parseCompactJws(token.trim(), { maxLength: 1_048_576 })
  if (!parsed.ok) {
    return { decoded: false, verified: false, problem: { code: parsed.error.code, message: parsed.error.message }, notes: ['tokenward rejects this token before looking at any key.'] }
  }
  const { header, payload } = parsed.value
  const notes: string[] = ['Not verified: the signature, issuer and audience were not checked.']
  const alg = header.alg
  if (typeof alg !== 'string') notes.push('The header has no alg: rejected (invalid_header).')
  else if (alg.toLowerCase() === 'none' || /^HS/i.test(alg)) notes.push(`alg ${alg} is never accepted (alg_not_allowed).`)
  if (header.kid === undefined) notes.push('No kid: accepted only if exactly one key of the JWKS can verify this alg.')
  for (const member of ['jku', 'x5u', 'jwk', 'x5c']) {
    if (header[member] !== undefined) notes.push(`The header carries ${member}; tokenward ignores it and never fetches or trusts keys named by a token.`)
  }
  if (header.crit !== undefined) notes.push('The header has crit: rejected, tokenward understands no JWS extension.')
  const typ = header.typ
  if (typeof typ === 'string' && !/^(application\/)?at\+jwt$/i.test(typ)) notes.push(`typ is "${typ}", not at+jwt: leave requireAccessTokenType off for this server.`)

  const exp = payload.exp
  if (exp === undefined) notes.push('No exp claim: rejected (missing_claim).')
  else if (typeof exp === 'number' && Number.isFinite(exp)) {
    const delta = Math.round(exp - nowSeconds)
    notes.push(delta <= 0 ? `Expired ${-delta} s ago.` : `Expires in ${delta} s.`)
  }
  let clientId: string | undefined
  let clientIdClaim: string | undefined
  for (const claim of clientIdClaims) {
    const v = payload[claim]
    if (typeof v === 'string' && v !== '' && clientId === undefined) {
      clientId = v
      clientIdClaim = claim
    }
  }
  if (clientId === undefined) notes.push('No client identifier (client_id, cid, appid or azp): rejected (missing_claim).')
  else if (clientIdClaim !== 'client_id') notes.push(`The client identifier comes from ${clientIdClaim}.`)
  if (payload.aud === undefined) notes.push('No aud claim: configure no audience for this server (e.g. Cognito access tokens), and set clientId instead.')
  const notAnAccessToken = checkBearerAccessToken(payload)
  if (notAnAccessToken !== undefined) notes.push(`${notAnAccessToken.message}: rejected (${notAnAccessToken.code}).`)
  const grants = grantsFromClaims(payload)
  const malformedRoles = [...grants.scopes, ...grants.roles].filter((s) => s.includes('::') && !grants.apiRoles.some((r) => `${r.cloud}::${r.orgId}::${r.role}` === s))
  if (malformedRoles.length > 0) notes.push(`Ignored as malformed API roles: ${malformedRoles.slice(0, 5).join(', ')}`)

  return {
    decoded: true,
    verified: false,
    header,
    payload,
    summary: {
      alg,
      kid: header.kid,
      typ,
      issuer: payload.iss,
      audience: payload.aud,
      clientId,
      clientIdClaim,
      subject: payload.sub,
      expiresAt: iso(exp),
      issuedAt: iso(payload.iat),
      notBefore: iso(payload.nbf),
      scopes: grants.scopes,
      roles: grants.roles,
      apiRoles: grants.apiRoles,
      looksLike: guessVendor(payload),
    },
    notes,
  }
}

function guessVendor(payload: Readonly<Record<string, unknown>>): string | undefined {
  const iss = typeof payload.iss === 'string' ? payload.iss : ''
  if (iss.startsWith('https://sts.windows.net/')) return 'Microsoft Entra ID (v1 tokens)'
  if (/^https:\/\/login\.microsoftonline\.com\/[^/]+\/v2\.0$/.test(iss)) return 'Microsoft Entra ID (v2 tokens)'
  if (/^https:\/\/cognito-idp\.[^/]+\.amazonaws\.com\//.test(iss)) return 'Amazon Cognito'
  if (/\.auth0\.com\/$/.test(iss)) return 'Auth0'
  if (/\/realms\/[^/]+$/.test(iss)) return 'Keycloak'
  if (/\.okta(preview)?\.com/.test(iss) || payload.cid !== undefined) return 'Okta'
  return undefined
}
