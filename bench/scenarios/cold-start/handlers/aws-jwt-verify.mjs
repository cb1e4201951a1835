// A minimal Lambda proxy handler protected by aws-jwt-verify (bundled for the size comparison only).
import { JwtVerifier } from 'aws-jwt-verify'

const verifier = JwtVerifier.create({
  issuer: 'https://acme.okta.com/oauth2/default',
  audience: 'api://default',
  jwksUri: 'https://acme.okta.com/oauth2/default/v1/keys',
})

export const handler = async (event) => {
  const header = event.headers?.authorization ?? ''
  if (!header.startsWith('Bearer ')) return { statusCode: 401, headers: { 'www-authenticate': 'Bearer' }, body: '' }
  try {
    const payload = await verifier.verify(header.slice(7))
    return { statusCode: 200, body: JSON.stringify({ client: payload.client_id }) }
  } catch {
    return { statusCode: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, body: '' }
  }
}
