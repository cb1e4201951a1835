/**
 * The admin API protected with tokenward itself: admin access tokens verified by a core
 * `Verifier`, the actor read from their claims.
 *
 * @module
 */
import { ClaimValidationError, ConfigError, renderChallenge, type ConfigIssue, type Verifier } from '@tokenward/core'
import { type Actor } from '@tokenward/core/organization'
import { adminAuthFailure, type AdminAuthenticate, type AdminAuthFailure } from './admin-auth-failure.ts'

/**
 * Options of {@link adminAuthenticator}.
 *
 * @example
 * ```ts
 * const options: AdminAuthenticatorOptions = { verifier, permissionsClaim: 'scope', actorClaim: 'email' }
 * ```
 */
export interface AdminAuthenticatorOptions {
  /** Verifies the admin access tokens (the product's own authorization server). */
  readonly verifier: Pick<Verifier, 'verifyRequest'>
  /**
   * The claim listing the actor's permissions: an array of strings, or one space-delimited string
   * (like `scope`). Default `permissions`. A missing or mistyped claim means no permissions.
   */
  readonly permissionsClaim?: string
  /** The claim identifying the actor in audit records; must be a non-empty string. Default `sub`. */
  readonly actorClaim?: string
  /** `realm` of the challenge sent when the actor claim is missing (use the verifier's own). */
  readonly realm?: string
}

/**
 * Builds an authenticate function for `createAdminApi` on a tokenward verifier. A missing,
 * invalid or expired admin token is answered with the verifier's own challenge (400, 401 or 403
 * with `WWW-Authenticate`; 503 with `Retry-After` while the admin authorization server's keys
 * cannot be fetched), never with a 500. A valid token without the actor claim is `401
 * invalid_token` (`missing_claim`). Permissions are not checked here: the organization rules
 * answer `403 permission_denied` (and audit it) when the API Key Management permission is
 * missing.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 *
 * const verifier = createVerifier({ server: { name: 'Admin', jwksUrl: 'https://login.example.com/keys', issuer: 'https://login.example.com', audience: 'admin-api' } })
 * const api = createAdminApi({ ..., authenticate: adminAuthenticator({ verifier, permissionsClaim: 'permissions', actorClaim: 'sub' }) })
 * ```
 */
export function adminAuthenticator(options: AdminAuthenticatorOptions): AdminAuthenticate {
  const permissionsClaim = options.permissionsClaim ?? 'permissions'
  const actorClaim = options.actorClaim ?? 'sub'
  const issues: ConfigIssue[] = []
  if (typeof options.verifier?.verifyRequest !== 'function') issues.push({ path: 'verifier', message: 'must be a tokenward Verifier' })
  if (typeof permissionsClaim !== 'string' || permissionsClaim === '') issues.push({ path: 'permissionsClaim', message: 'must be a non-empty string' })
  if (typeof actorClaim !== 'string' || actorClaim === '') issues.push({ path: 'actorClaim', message: 'must be a non-empty string' })
  if (options.realm !== undefined && typeof options.realm !== 'string') issues.push({ path: 'realm', message: 'must be a string' })
  if (issues.length > 0) throw new ConfigError(issues)
  const { verifier, realm } = options

  return async (request: Request): Promise<Actor | AdminAuthFailure> => {
    const verdict = await verifier.verifyRequest({ method: request.method, url: request.url, headers: request.headers })
    if (!verdict.ok) return adminAuthFailure(verdict.response)
    const claims = verdict.token.claims
    const id = claims[actorClaim]
    if (typeof id !== 'string' || id === '') {
      const error = new ClaimValidationError('missing_claim', `The admin token has no ${actorClaim} claim identifying the actor`, { claim: actorClaim })
      return adminAuthFailure(renderChallenge(error, { realm }))
    }
    return { id, permissions: permissionsOf(claims[permissionsClaim]) }
  }
}

/** An array of strings (non-strings ignored), or a space-delimited string; anything else grants nothing. */
function permissionsOf(claim: unknown): readonly string[] {
  if (typeof claim === 'string') return claim.split(' ').filter((p) => p !== '')
  if (Array.isArray(claim)) return claim.filter((p): p is string => typeof p === 'string' && p !== '')
  return []
}
