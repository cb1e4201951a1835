/**
 * The Node.js platform: node:crypto key objects (several times faster than WebCrypto on Node)
 * and node:https (custom CAs, certificate validation switch). Chosen by the `node` export
 * condition; everything else gets `web.ts`.
 *
 * @module
 */
import { Buffer } from 'node:buffer'
import { hasZeroTrailingBits } from '../jws/base64url.ts'
import { nodeSignatureProvider } from './node-signature.ts'
import { nodeHttpGet, nodeHttpPost } from './node-http.ts'
import type { Platform } from './types.ts'
import { webHttpGet, webHttpPost } from './web-http.ts'

/** The platform used when the package is loaded under the `node` condition. */
export const platform: Platform = {
  name: 'node',
  signature: nodeSignatureProvider,
  // An injected fetch owns its TLS settings (see WebHttpGetOptions.fetchOwnsTls).
  httpGet: (fetchImpl) => (fetchImpl === undefined ? nodeHttpGet : webHttpGet(fetchImpl, { fetchOwnsTls: true, injectedFetch: true })),
  httpPost: (fetchImpl) => (fetchImpl === undefined ? nodeHttpPost : webHttpPost(fetchImpl, { fetchOwnsTls: true, injectedFetch: true })),
  decodeBase64Url: decodeCanonicalBase64Url,
  // Exact for ASCII, which is all a signing input can hold once its segments decoded.
  encodeAscii: (text) => Buffer.from(text, 'latin1'),
}

/**
 * Canonical base64url through Buffer's native decoder, exactly as strict as the pure decoder
 * (property-tested against it). Buffer's decoder is lenient: it accepts `+`, `/` and `=`, skips
 * or stops at any other character outside the alphabet, and reads a non-ASCII character as its
 * low byte ("Ł" as "A"). So: ASCII only (the UTF-8 length equals the length), none of those three
 * characters, the canonical length and last character, and exactly as many bytes as the length
 * promises: a skipped or stopping character always leaves fewer.
 */
function decodeCanonicalBase64Url(segment: string): Uint8Array | undefined {
  const length = segment.length
  if (!hasZeroTrailingBits(segment) || Buffer.byteLength(segment, 'utf8') !== length) return undefined
  if (segment.indexOf('+') !== -1 || segment.indexOf('/') !== -1 || segment.indexOf('=') !== -1) return undefined
  const bytes = Buffer.from(segment, 'base64url')
  return bytes.length === (length * 3) >> 2 ? bytes : undefined
}
