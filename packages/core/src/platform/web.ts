/**
 * The Web-standard platform: WebCrypto (`crypto.subtle`) and `fetch`. Chosen wherever the package
 * is not loaded under the `node` export condition: Workers, browsers, bundlers targeting them.
 * Deno and Bun resolve npm packages with the `node` condition, so they load the Node build (their
 * Node compatibility runs it); the runtime tests prove both builds work in both.
 *
 * @module
 */
import { decodeBase64Url } from '../jws/base64url.ts'
import type { Platform } from './types.ts'
import { webHttpGet, webHttpPost } from './web-http.ts'
import { webSignatureProvider } from './web-signature.ts'

const ascii = new TextEncoder()

/** The platform used when the package is not loaded under the `node` condition. */
export const platform: Platform = {
  name: 'web',
  signature: webSignatureProvider,
  // An injected fetch owns its TLS settings; the runtime's own cannot honour custom CAs or opt-outs.
  decodeBase64Url,
  encodeAscii: (text) => ascii.encode(text),
  httpGet: (fetchImpl) =>
    fetchImpl === undefined
      ? webHttpGet(globalThis.fetch.bind(globalThis))
      : webHttpGet(fetchImpl, { fetchOwnsTls: true, injectedFetch: true }),
  httpPost: (fetchImpl) =>
    fetchImpl === undefined
      ? webHttpPost(globalThis.fetch.bind(globalThis))
      : webHttpPost(fetchImpl, { fetchOwnsTls: true, injectedFetch: true }),
}
