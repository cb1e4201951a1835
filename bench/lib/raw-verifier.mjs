// The "physical limit": the least work a correct JWT access-token check can do on Node. Split,
// base64url-decode with Buffer, JSON.parse, one `node:crypto.verify` with a KeyObject imported
// once, then exp / iss / aud. No caching, no config, no error taxonomy. Every library is reported
// as a ratio against this, measured in the same run.
import { createPublicKey, verify } from 'node:crypto'
import { nodeAlgorithms } from './tokens.mjs'

/**
 * A synchronous verifier for tokens signed by `jwks` (a JWK Set). Returns the payload or throws.
 *
 * @param {{ jwks: { keys: object[] }, issuer: string, audience: string }} options
 */
export function createRawVerifier({ jwks, issuer, audience }) {
  const keys = new Map(
    jwks.keys.map((jwk) => {
      const { hash, dsaEncoding } = nodeAlgorithms[jwk.alg]
      const key = createPublicKey({ key: jwk, format: 'jwk' })
      return [jwk.kid, { alg: jwk.alg, hash, key: dsaEncoding === undefined ? key : { key, dsaEncoding } }]
    }),
  )
  return function verifyRaw(token) {
    const first = token.indexOf('.')
    const second = token.indexOf('.', first + 1)
    if (first <= 0 || second <= first || token.indexOf('.', second + 1) !== -1) throw new Error('malformed')
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString())
    const key = keys.get(header.kid)
    if (key === undefined || header.alg !== key.alg) throw new Error('unknown key')
    const signature = Buffer.from(token.slice(second + 1), 'base64url')
    if (!verify(key.hash, Buffer.from(token.slice(0, second)), key.key, signature)) throw new Error('bad signature')
    const payload = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString())
    if (typeof payload.exp !== 'number' || payload.exp <= Date.now() / 1000) throw new Error('expired')
    if (payload.iss !== issuer) throw new Error('wrong issuer')
    if (payload.aud !== audience && !(Array.isArray(payload.aud) && payload.aud.includes(audience))) throw new Error('wrong audience')
    return payload
  }
}
