/**
 * What the token stages hand on: the verified token before authorization, built the same way
 * whether its claims came from a JWT or from an introspection answer. Pure.
 *
 * @module
 */
import type { ValidatedClaims } from '../../claims/validate-claims.ts'
import type { AuthorizationServerConfig } from '../../config/authorization-server.ts'
import type { TokenGrants } from '../../scope/api-role.ts'
import type { VerifiedAccessToken } from '../types.ts'

/** A verified token before the authorize stage adds `authorization` and `fromCache`. */
export type UnauthorizedToken = Omit<VerifiedAccessToken, 'authorization' | 'fromCache'>

/** The claims a server's configuration leaves unchecked (no issuer, audience or client ID set). */
export function uncheckedClaimsOf(server: AuthorizationServerConfig): VerifiedAccessToken['uncheckedClaims'] {
  return [
    ...(server.issuer === undefined ? (['iss'] as const) : []),
    ...(server.audience === undefined ? (['aud'] as const) : []),
    ...(server.clientId === undefined ? (['client_id'] as const) : []),
  ]
}

/** Builds the token the stages pass on from checked claims, grants and the raw payload. */
export function unauthorizedToken(
  server: AuthorizationServerConfig,
  claims: ValidatedClaims,
  grants: TokenGrants,
  payload: Readonly<Record<string, unknown>>,
  uncheckedClaims: VerifiedAccessToken['uncheckedClaims'],
  header: VerifiedAccessToken['header'],
): UnauthorizedToken {
  return {
    authorizationServer: server.name,
    clientId: claims.clientId,
    clientIdClaim: claims.clientIdClaim,
    subject: claims.subject,
    issuer: claims.issuer,
    audience: claims.audience,
    expiresAt: claims.expiresAt,
    issuedAt: claims.issuedAt,
    scopes: grants.scopes,
    roles: grants.roles,
    apiRoles: grants.apiRoles,
    header,
    claims: payload,
    uncheckedClaims,
  }
}
