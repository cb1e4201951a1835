/**
 * What every framework adapter talks to: something that turns a request into a verdict. A
 * `Verifier` (one authorization server) is one; a registry guard (each organization's enabled
 * server) is another. Adapters only translate their native request into a `TokenRequest` and the
 * verdict into their native response.
 *
 * @module
 */
import type { TokenRequest } from '../http/bearer.ts'
import type { RequestVerdict } from '../verifier/types.ts'
import type { VerifyOptions } from '../verifier/types.ts'

/**
 * Decides a request. Never rejects for a bad or missing token (the verdict carries the HTTP
 * answer); rejects only for a programming or infrastructure fault.
 *
 * @example
 * ```ts
 * const guard: RequestGuard = createVerifier({ server })
 * const verdict = await guard.verifyRequest({ method: 'GET', url: '/x', headers })
 * ```
 */
export interface RequestGuard {
  verifyRequest(request: TokenRequest, options?: VerifyOptions): Promise<RequestVerdict>
  /**
   * Optional: the same verdict, returned directly when it can be reached without waiting (see
   * `Verifier.verifyRequestNow`), else the promise `verifyRequest` would return. Adapters whose
   * framework continues synchronously prefer it; a guard that always does I/O leaves it out.
   */
  verifyRequestNow?(request: TokenRequest, options?: VerifyOptions): RequestVerdict | Promise<RequestVerdict>
}
