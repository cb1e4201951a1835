/**
 * A Web `Request` as the core's `TokenRequest`, and its verdict.
 *
 * @module
 */
import { defineRequestUrl, type ClientCertificateSource, type RequestGuard, type RequestUrl, type RequestVerdict, type TokenRequest, type VerifyOptions } from '@tokenward/core'
import { cloudflareCertificate, defineWebCertificate } from './web-client-certificate.ts'
import type { VerifyWebRequestOptions } from './types.ts'

/**
 * Verifies the access token of a Web `Request` with a guard. Resolves to the core verdict: the
 * verified token, or the error with the HTTP answer to send. Never rejects for a bad or missing
 * token; rejects when the guard itself fails (a programming or infrastructure fault), and throws
 * `ConfigError` for a `publicOrigin` that is not an origin.
 *
 * The guard sees `request.url` as the runtime built it (the same URL the app routes on), with its
 * origin replaced by `publicOrigin` when one is given. Most runtimes build that origin from the
 * client's `Host` header: set `publicOrigin` wherever the origin matters.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { challengeResponse, verifyWebRequest } from '@tokenward/web'
 *
 * const verifier = createVerifier({ server })
 * Deno.serve(async (request) => {
 *   const verdict = await verifyWebRequest(request, verifier, { publicOrigin: 'https://api.example.com' })
 *   if (!verdict.ok) return challengeResponse(verdict)
 *   return Response.json({ client: verdict.token.clientId })
 * })
 * ```
 */
export function verifyWebRequest(request: Request, guard: RequestGuard, options?: VerifyWebRequestOptions): Promise<RequestVerdict> {
  if (options === undefined) return guard.verifyRequest(webTokenRequest(request, undefined))
  const { publicOrigin, clientCertificate, ...verifyOptions } = options
  const urlOf = publicOrigin === undefined ? undefined : defineRequestUrl({ publicOrigin })
  const certificateOf = clientCertificate === undefined ? platformCertificate : defineWebCertificate({ clientCertificate })
  return guard.verifyRequest(webTokenRequest(request, urlOf, certificateOf), verifyOptions as VerifyOptions)
}

const platformCertificate = defineWebCertificate(undefined)

/**
 * The core's request: method, the URL (origin replaced by a configured public origin), the Headers
 * object itself, and the client certificate the source finds (Cloudflare's by default).
 */
export function webTokenRequest(request: Request, urlOf: RequestUrl | undefined, certificateOf: ClientCertificateSource = platformCertificate): TokenRequest {
  // Headers stays a Headers object: repeated Authorization headers arrive joined with ", ",
  // which the core refuses as invalid_request.
  const url = urlOf === undefined ? request.url : urlOf({ target: request.url, headers: request.headers })
  const certificate = certificateOf({ headers: request.headers, platform: () => cloudflareCertificate(request) })
  return certificate.clientCertificate === undefined && certificate.clientCertificateThumbprint === undefined
    ? { method: request.method, url, headers: request.headers }
    : { method: request.method, url, headers: request.headers, ...certificate }
}
