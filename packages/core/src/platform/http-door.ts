/**
 * The Promise door's HTTP clients: the runtime's own (Node.js: node:http/https with custom CAs,
 * client certificates and proxies; elsewhere `fetch` with what the runtime offers), or one built
 * on an injected `fetch`.
 *
 * @module
 */
import { platform } from '#platform'
import type { HttpGet, HttpPost, SignatureProvider } from './types.ts'

/**
 * The runtime's {@link HttpGet} (timeouts, size limits, no redirects, address policy, custom CAs
 * where the runtime allows), or one on an injected `fetch`, which then owns its TLS settings.
 *
 * @example
 * ```ts
 * const discovery = createDiscoveryClient({ issuer: 'https://as.example', discovery: true, httpGet: platformHttpGet() })
 * ```
 */
export function platformHttpGet(fetchImpl?: typeof fetch): HttpGet {
  return platform.httpGet(fetchImpl)
}

/**
 * The runtime's {@link HttpPost} for calls to an authorization server: on Node.js with client
 * certificates (mTLS), `trustMode`, and an `http:` proxy (CONNECT tunnel); on Deno and Bun
 * through their fetch options; elsewhere what is not possible rejects with kind `unsupported`.
 *
 * @example
 * ```ts
 * const post = withTargets(['https://as-2.example'], platformHttpPost())
 * const response = await post({ url: new URL('https://as-1.example/introspect'), timeoutMs: 5000, maxBytes: 65536,
 *   certificateValidation: true, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=abc' })
 * ```
 */
export function platformHttpPost(fetchImpl?: typeof fetch): HttpPost {
  return platform.httpPost(fetchImpl)
}

/**
 * The runtime's signature verifier (node:crypto key objects on Node.js, WebCrypto elsewhere), for
 * checks done outside the verifier, such as DPoP proofs at a token endpoint.
 *
 * @example
 * ```ts
 * const r = await verifyDpopProof({ method: 'POST', url: tokenEndpoint, headers: request.headers },
 *   { config, accessToken: null, now: Math.floor(Date.now() / 1000), signature: platformSignatureProvider() })
 * ```
 */
export function platformSignatureProvider(): SignatureProvider {
  return platform.signature
}
