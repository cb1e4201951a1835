/**
 * An {@link HttpPost} over `fetch`, for the introspection client: timeout, body size limit, no
 * redirects followed. With `fetch` the runtime's own TLS trust applies: `trustedCertificates`,
 * switching certificate validation off and client certificates are refused here (kind
 * `unsupported`) rather than silently ignored. Under an `addressPolicy`, `fetch` resolves names
 * itself, so only literal addresses and loopback names can be checked: any other host name is
 * refused (`address_not_allowed`) rather than sent unchecked.
 *
 * @module
 */
import { decideUrl } from '../network/address-policy.ts'
import { HttpGetFailure, type HttpGetResponse, type HttpPost } from '../platform/types.ts'

/**
 * Builds an {@link HttpPost} on `fetchImpl` (default: the global `fetch`).
 *
 * @example
 * ```ts
 * const post = fetchHttpPost()
 * const response = await post({ url: new URL('https://as.example/introspect'), timeoutMs: 5000, maxBytes: 65536,
 *   certificateValidation: true, headers: {}, body: 'token=abc' })
 * ```
 */
export function fetchHttpPost(fetchImpl: typeof fetch = globalThis.fetch): HttpPost {
  return async (request): Promise<HttpGetResponse> => {
    if (!request.certificateValidation || (request.trustedCertificates?.length ?? 0) > 0 || request.clientCertificate !== undefined) {
      throw new HttpGetFailure('unsupported', 'This HTTP client cannot apply custom TLS settings or client certificates')
    }
    if (request.addressPolicy !== undefined) {
      const decision = decideUrl(request.addressPolicy, request.url)
      if (decision === 'resolve') throw new HttpGetFailure('address_not_allowed', 'address not allowed: this HTTP client cannot check the addresses a host name resolves to')
      if (!decision.allowed) throw new HttpGetFailure('address_not_allowed', `address not allowed: ${decision.reason}`)
    }
    let response: Response
    try {
      response = await fetchImpl(request.url, {
        method: 'POST',
        headers: request.headers,
        body: request.body as BodyInit,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
      })
    } catch (cause) {
      const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')
      throw new HttpGetFailure(timedOut ? 'timeout' : 'network', timedOut ? `timed out after ${request.timeoutMs} ms` : 'the request failed', { cause })
    }
    const body = await readLimited(response, request.maxBytes, request.timeoutMs)
    return { status: response.status, headers: response.headers, body }
  }
}

async function readLimited(response: Response, maxBytes: number, timeoutMs: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array()
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      size += value.byteLength
      if (size > maxBytes) {
        await reader.cancel().catch(() => {})
        throw new HttpGetFailure('too_large', `the answer is larger than ${maxBytes} bytes`)
      }
      chunks.push(value)
    }
  } catch (cause) {
    if (cause instanceof HttpGetFailure) throw cause
    const timedOut = cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')
    throw new HttpGetFailure(timedOut ? 'timeout' : 'network', timedOut ? `timed out after ${timeoutMs} ms` : 'the body could not be read', { cause })
  }
  const out = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    out.set(chunk, offset)
    offset += chunk.byteLength
  }
  return out
}
