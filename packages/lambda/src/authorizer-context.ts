/**
 * A verified token as the `context` map an API Gateway authorizer returns (string values only).
 *
 * @module
 */
import type { VerifiedAccessToken } from '@tokenward/core'
import type { AuthorizerContext } from './types.ts'

/** The principal as authorizer context: absent values are left out, API roles are a JSON string. */
export function authorizerContext(token: VerifiedAccessToken): AuthorizerContext {
  const context: Record<string, string> = {
    clientId: token.clientId,
    authorizationServer: token.authorizationServer,
    apiRoles: JSON.stringify(token.apiRoles),
  }
  if (token.subject !== undefined) context.subject = token.subject
  if (token.authorization !== undefined) {
    context.adminId = token.authorization.adminId
    context.apiRole = token.authorization.apiRole.role
  }
  return context as AuthorizerContext
}
