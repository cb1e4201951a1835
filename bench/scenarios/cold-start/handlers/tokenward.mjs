// A minimal Lambda proxy handler protected by tokenward (bundled for the size comparison only).
import { createVerifier } from '@tokenward/core'
import { withTokenward } from '@tokenward/lambda'

const guard = createVerifier({
  server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys', issuer: 'https://acme.okta.com/oauth2/default', audience: 'api://default' },
})

export const handler = withTokenward(async (event, context, auth) => ({ statusCode: 200, body: JSON.stringify({ client: auth.clientId }) }), { guard })
