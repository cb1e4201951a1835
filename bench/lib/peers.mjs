// Every verifier under test, configured the way its documentation recommends and with the same
// checks: signature, exp, iss, aud (and each library's own extras). Each factory returns
// `verify(token)`, a function that resolves (or returns) on success and rejects (or throws) on a
// refused token.
import { createPublicKey } from 'node:crypto'
import { createVerifier as createTokenward } from '@tokenward/core'
import { JwtVerifier } from 'aws-jwt-verify'
import { SimpleJwksCache } from 'aws-jwt-verify/jwk'
import { auth as auth0Middleware } from 'express-oauth2-jwt-bearer'
import { createVerifier as createFastJwt } from 'fast-jwt'
import { createRemoteJWKSet, importJWK, jwtVerify } from 'jose'
import { audience, issuer } from './tokens.mjs'

/**
 * tokenward's Promise door. `jwk` gives inline keys (no network); `jwksUrl` a remote key set.
 * `cache` is passed through (`false`, or `undefined` for the default 10,000-entry cache).
 */
export function tokenwardVerifier({ jwk, jwksUrl, cache }) {
  const keySource = jwk === undefined ? { jwksUrl } : { jwks: { keys: [jwk] } }
  const verifier = createTokenward({ server: { name: 'Bench', ...keySource, issuer, audience }, ...(cache === undefined ? {} : { cache }) })
  return { verify: (token) => verifier.verify(token), verifier, close: () => verifier.close() }
}

/** tokenward with an introspection endpoint only (opaque tokens; the default answer cache). */
export function tokenwardIntrospectionVerifier({ endpoint }) {
  const verifier = createTokenward({
    server: { name: 'BenchOpaque', issuer, audience, introspection: { endpoint, clientId: 'bench', clientAuthentication: { method: 'client_secret_basic', clientSecret: 'bench-secret' } } },
  })
  return { verify: (token) => verifier.verify(token), verifier, close: () => verifier.close() }
}

/** jose `jwtVerify` with a key imported once. */
export async function joseLocalVerifier(jwk) {
  const key = await importJWK(jwk, jwk.alg)
  const options = { issuer, audience, algorithms: [jwk.alg] }
  return { verify: (token) => jwtVerify(token, key, options) }
}

/** jose `jwtVerify` with `createRemoteJWKSet` (its defaults: 30 s cooldown, 10 min max age). */
export function joseRemoteVerifier(jwksUrl) {
  const jwks = createRemoteJWKSet(new URL(jwksUrl))
  const options = { issuer, audience }
  return { verify: (token) => jwtVerify(token, jwks, options) }
}

/**
 * aws-jwt-verify's generic `JwtVerifier` (RS256/ES256/EdDSA with a JWKS). Its built-in fetcher
 * only speaks https, so the JWKS is fetched with a small `fetch`-based fetcher through its
 * documented `SimpleJwksCache({ fetcher })` seam; caching, single flight and the penalty box stay
 * the library's own. With `jwk`, the JWKS is pre-loaded with `cacheJwks` and never fetched.
 */
export function awsVerifier({ jwk, jwksUrl = 'http://127.0.0.1:1/unused-jwks' }) {
  const fetcher = {
    async fetch(uri) {
      const response = await fetch(uri, { signal: AbortSignal.timeout(3000) })
      if (response.status !== 200) throw new Error(`JWKS status ${response.status}`)
      return response.arrayBuffer()
    },
  }
  const verifier = JwtVerifier.create({ issuer, audience, jwksUri: jwksUrl }, { jwksCache: new SimpleJwksCache({ fetcher }) })
  if (jwk !== undefined) verifier.cacheJwks({ keys: [jwk] })
  return { verify: (token) => verifier.verify(token), verifySync: (token) => verifier.verifySync(token) }
}

/** fast-jwt `createVerifier` with a PEM public key; `cache: true` turns on its 1,000-entry cache. */
export function fastJwtVerifier(jwk, { cache = false } = {}) {
  const key = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
  const verify = createFastJwt({ key, algorithms: [jwk.alg], allowedIss: issuer, allowedAud: audience, cache })
  return { verify }
}

/**
 * express-oauth2-jwt-bearer outside Express: its `auth()` middleware called with the few request
 * fields it reads, so the JWKS herd can drive it like the other libraries.
 */
export function auth0Verifier(jwksUrl) {
  const middleware = auth0Middleware({ issuer, audience, jwksUri: jwksUrl })
  return {
    verify(token) {
      const headers = { host: 'api.bench.test', authorization: `Bearer ${token}` }
      const req = { headers, query: {}, body: undefined, method: 'GET', protocol: 'http', originalUrl: '/resource', get: (name) => headers[name.toLowerCase()], is: () => false }
      return new Promise((resolve, reject) => middleware(req, {}, (error) => (error ? reject(error) : resolve(req.auth))))
    },
  }
}
