// Signing keys and realistic RFC 9068 access tokens for every scenario.
//
// Tokens are minted with `node:crypto.sign` directly (no JWT library in the loop) so that minting
// hundreds of thousands of them stays cheap and no verifier under test also produced its tokens.
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto'

export const issuer = 'https://idp.bench.test/oauth2/default'
export const audience = 'https://api.bench.test'
export const algorithms = ['RS256', 'ES256', 'EdDSA']

/** How each JWS algorithm signs with node:crypto. */
export const nodeAlgorithms = {
  RS256: { type: 'rsa', options: { modulusLength: 2048 }, hash: 'sha256', dsaEncoding: undefined },
  ES256: { type: 'ec', options: { namedCurve: 'P-256' }, hash: 'sha256', dsaEncoding: 'ieee-p1363' },
  EdDSA: { type: 'ed25519', options: {}, hash: null, dsaEncoding: undefined },
}

/**
 * A fresh key pair for `alg`, with its public JWK (`kid`, `alg`, `use`) and a PKCS#8 PEM so worker
 * threads and child processes can rebuild it.
 */
export function createSigningKey(alg, kid = `bench-${alg.toLowerCase()}-1`) {
  const { type, options } = nodeAlgorithms[alg]
  const { privateKey, publicKey } = generateKeyPairSync(type, options)
  return signingKeyFrom({ alg, kid, privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) })
}

/** Rebuilds a signing key from its transferable form (`{ alg, kid, privateKeyPem }`). */
export function signingKeyFrom({ alg, kid, privateKeyPem }) {
  const privateKey = createPrivateKey(privateKeyPem)
  const publicJwk = { ...createPublicKeyJwk(privateKey), kid, alg, use: 'sig' }
  return { alg, kid, privateKey, privateKeyPem, jwk: publicJwk }
}

function createPublicKeyJwk(privateKey) {
  const { d, p, q, dp, dq, qi, ...publicMembers } = privateKey.export({ format: 'jwk' })
  return publicMembers
}

/** The transferable form of a signing key, for `workerData` or a child's environment. */
export const transferableKey = ({ alg, kid, privateKeyPem }) => ({ alg, kid, privateKeyPem })

/**
 * The claims of a realistic client-credentials access token (RFC 9068): ~400 bytes of JSON with
 * three scopes, which makes an RS256 token ~900 bytes (~650 for ES256 and EdDSA).
 */
export function accessTokenClaims(jti, nowSeconds = Math.floor(Date.now() / 1000)) {
  return {
    iss: issuer,
    aud: audience,
    sub: 'svc-reporting-7f3a9c',
    client_id: 'svc-reporting-7f3a9c',
    scope: 'zscloud::12345::ReadOnly zscloud::12345::Reporting zscloud::12345::Audit',
    jti,
    iat: nowSeconds,
    exp: nowSeconds + 3600,
    auth_time: nowSeconds,
    ver: 1,
    tenant: 'acme-production-eu-west-1',
  }
}

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** Signs `claims` as a compact JWS with `key` (header `kid` overridable, e.g. for rotation tests). */
export function signToken(key, claims, kid = key.kid) {
  const { hash, dsaEncoding } = nodeAlgorithms[key.alg]
  const signingInput = `${b64({ alg: key.alg, kid, typ: 'at+jwt' })}.${b64(claims)}`
  const signingKey = dsaEncoding === undefined ? key.privateKey : { key: key.privateKey, dsaEncoding }
  return `${signingInput}.${sign(hash, Buffer.from(signingInput), signingKey).toString('base64url')}`
}

/** A valid access token whose `jti` makes it distinct from every other. */
export const mintAccessToken = (key, jti, nowSeconds) => signToken(key, accessTokenClaims(jti, nowSeconds))

/**
 * A forged token that looks like `key`'s tokens: a fresh `jti`, a random signature of the right
 * length, and either the real `kid` (so the signature check fails) or a random unknown `kid`.
 */
export function forgeToken(key, jti, { unknownKid = false } = {}) {
  const kid = unknownKid ? `forged-${randomBytes(8).toString('hex')}` : key.kid
  const signatureBytes = key.alg === 'RS256' ? 256 : 64
  const signingInput = `${b64({ alg: key.alg, kid, typ: 'at+jwt' })}.${b64(accessTokenClaims(jti))}`
  return `${signingInput}.${randomBytes(signatureBytes).toString('base64url')}`
}
