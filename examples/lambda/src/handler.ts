// The Lambda functions: a REST API TOKEN authorizer and an HTTP API (payload 2.0) handler wrapped
// with tokenward. One verifier per container, created at module scope and warmed during init, so
// its key cache survives between invocations.
import { createVerifier } from '@tokenward/core'
import { tokenAuthorizer, warmOnInit, withTokenward } from '@tokenward/lambda'

// In a real deployment these come from the function's configuration.
const jwksUrl = process.env.JWKS_URL ?? 'https://idp.example.com/oauth2/default/v1/keys'
const issuer = process.env.ISSUER ?? 'https://idp.example.com/oauth2/default'

export const verifier = createVerifier({
  server: { name: 'CustomerIdP', jwksUrl, issuer, audience: 'https://api.example.com' },
  organization: { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly', 'Admin'] },
})
await warmOnInit(verifier)

/** API Gateway REST API, TOKEN authorizer: Allow with the principal in `context`, 401, or Deny. */
export const authorizer = tokenAuthorizer({ guard: verifier })

/** HTTP API route handler: refused requests are answered by tokenward with RFC 6750 challenges. */
export const reports = withTokenward(async (_event, _context, auth) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ reports: ['weekly-threats'], caller: auth.clientId, auditedAs: auth.authorization?.adminId }),
}), { guard: verifier })
