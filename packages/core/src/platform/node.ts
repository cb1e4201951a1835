/**
 * The Node.js platform: node:crypto key objects (several times faster than WebCrypto on Node)
 * and node:https (custom CAs, certificate validation switch). Chosen by the `node` export
 * condition; everything else gets `web.ts`.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { isCanonicalBase64Url } from '../jws/base64url.ts'
import { nodeHttpGet } from './node-http.ts'
import { nodeSignatureProvider } from './node-signature.ts'
import type { Platform } from './types.ts'
import { webHttpGet } from './web-http.ts'

/** The platform used when the package is loaded under the `node` condition. */
export const platform: Platform = {
  name: 'node',
  signature: nodeSignatureProvider,
  // An injected fetch owns its TLS settings (see WebHttpGetOptions.fetchOwnsTls).
  httpGet: (fetchImpl) => (fetchImpl === undefined ? nodeHttpGet : webHttpGet(fetchImpl, { fetchOwnsTls: true })),
  // Buffer's decoder is native but lenient; the canonical-form check keeps it exactly as strict.
  decodeBase64Url: (segment) => (isCanonicalBase64Url(segment) ? Buffer.from(segment, 'base64url') : undefined),
}
