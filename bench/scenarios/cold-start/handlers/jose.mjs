// A minimal Lambda proxy handler protected by jose (bundled for the size comparison only).
import { createRemoteJWKSet, jwtVerify } from 'jose'

const jwks = createRemoteJWKSet(new URL('https://acme.okta.com/oauth2/default/v1/keys'))
const options = { issuer: 'https://acme.okta.com/oauth2/default', audience: 'api://default' }

export const handler = async (event) => {
  const header = event.headers?.authorization ?? ''
  if (!header.startsWith('Bearer ')) return { statusCode: 401, headers: { 'www-authenticate': 'Bearer' }, body: '' }
  try {
    const { payload } = await jwtVerify(header.slice(7), jwks, options)
    return { statusCode: 200, body: JSON.stringify({ client: payload.client_id }) }
  } catch {
    return { statusCode: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: '' }
  }
}
