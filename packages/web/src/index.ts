/**
 * `@tokenward/web`: protect a Web-standard handler (`Request` → `Response`) with tokenward, in
 * Deno, Bun, Cloudflare Workers and Node. It only translates: the `Request` into the core's
 * `TokenRequest`, a refused verdict into a `Response`.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@tokenward/core'
 * import { withTokenward } from '@tokenward/web'
 *
 * const guard = createVerifier({
 *   server: { name: 'Okta1', jwksUrl: 'https://acme.okta.com/oauth2/default/v1/keys', issuer: 'https://acme.okta.com/oauth2/default' },
 * })
 * export default {
 *   fetch: withTokenward((request, auth) => Response.json({ client: auth.clientId }), { guard }),
 * }
 * ```
 *
 * @module
 */
export { verifyWebRequest } from './verify-web-request.ts'
export { challengeResponse } from './challenge-response.ts'
export { withTokenward } from './with-tokenward.ts'
export type { ProtectedHandler, VerifyWebRequestOptions, WebHandler, WithTokenwardOptions } from './types.ts'
export type { WebCertificateOptions } from './web-client-certificate.ts'
