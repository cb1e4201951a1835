/**
 * The Web-standard {@link HttpGet}: `fetch` with a timeout, no redirects, and a streamed size limit.
 *
 * @module
 */
import { decideUrl } from '../network/address-policy.ts'
import { concatBytes } from './bytes.ts'
import { describeTlsFailure } from './tls-failure.ts'
import { type HttpGet, HttpGetFailure, type HttpGetRequest } from './types.ts'

/** How {@link webHttpGet} treats the `fetch` it is given. */
export interface WebHttpGetOptions {
  /**
   * `true` when `fetch` was injected by the user and carries its own TLS configuration (for example
   * an undici `Agent` with extra CAs, or a Deno client with `caCerts`). Then a request's
   * `certificateValidation` and `trustedCertificates` are left to that `fetch`: tokenward cannot
   * see or enforce them, and the user who injected it owns them.
   *
   * `false` (the default) when `fetch` is the runtime's own: it cannot switch certificate
   * validation off or trust extra CAs, so an `https:` request asking for either is refused with
   * kind `unsupported` instead of silently using the default trust store.
   */
  readonly fetchOwnsTls?: boolean
}

const acceptHeader = 'application/json, application/jwk-set+json'

const errorChain = (error: unknown): unknown[] => {
  const chain: unknown[] = []
  let current = error
  while (current !== undefined && current !== null && chain.length < 8 && !chain.includes(current)) {
    chain.push(current)
    current = (current as { cause?: unknown }).cause
  }
  return chain
}

const failureFor = (error: unknown, signal: AbortSignal, request: HttpGetRequest): HttpGetFailure => {
  if (error instanceof HttpGetFailure) return error
  const reason: unknown = signal.reason
  if (signal.aborted && reason instanceof Error && reason.name === 'TimeoutError') {
    return new HttpGetFailure('timeout', `timed out after ${request.timeoutMs} ms`, { cause: error })
  }
  const chain = errorChain(error)
  for (const link of chain) {
    const code = (link as { code?: unknown }).code
    const tls = typeof code === 'string' ? describeTlsFailure(code, request.url.hostname, link instanceof Error ? link.message : '') : undefined
    if (tls !== undefined) return new HttpGetFailure('tls', tls, { cause: error })
  }
  const innermost = chain.at(-1)
  const detail = innermost instanceof Error ? innermost.message : String(innermost)
  return new HttpGetFailure('network', `network error: ${detail}`, { cause: error })
}

const tooLarge = (maxBytes: number): HttpGetFailure =>
  new HttpGetFailure('too_large', `response larger than ${maxBytes} bytes`)

// Rejects with the signal's reason once it aborts. Raced against the fetch and every body read,
// so the timeout holds even with a fetch (or a stream) that ignores its signal.
const whenAborted = (signal: AbortSignal): { readonly promise: Promise<never>; readonly dispose: () => void } => {
  let onAbort: (() => void) | undefined
  const promise = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason)
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
  })
  promise.catch(() => undefined)
  return { promise, dispose: () => onAbort !== undefined && signal.removeEventListener('abort', onAbort) }
}

// Reads the body chunk by chunk; cancellation is never awaited (some streams only settle it when
// the peer cooperates).
const readBody = async (body: ReadableStream<Uint8Array> | null, maxBytes: number, aborted: Promise<never>): Promise<Uint8Array> => {
  if (body === null) return new Uint8Array(0)
  const reader = body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted])
      if (done) break
      total += value.byteLength
      if (total > maxBytes) throw tooLarge(maxBytes)
      chunks.push(value)
    }
  } catch (error) {
    reader.cancel(error).catch(() => undefined)
    throw error
  }
  return concatBytes(chunks, total)
}

/**
 * Builds an {@link HttpGet} on a `fetch` implementation. Redirects are not followed (a 3xx comes
 * back as is), one timeout covers the whole exchange including the body, and the body is read as
 * a stream and abandoned as soon as it exceeds `maxBytes` (a larger `Content-Length` is refused up
 * front). Failures reject with {@link HttpGetFailure}: `timeout`, `too_large`, `tls` (when the
 * `fetch` reports an OpenSSL certificate code, as Node's does), `network`, or `unsupported`
 * (TLS options the runtime's own `fetch` cannot honour; see {@link WebHttpGetOptions.fetchOwnsTls}),
 * or `address_not_allowed` (a request's `addressPolicy` refuses its scheme, its literal address or
 * a loopback name; `fetch` resolves other names itself, so those are left to the runtime's egress
 * controls).
 *
 * @example
 * ```ts
 * const httpGet = webHttpGet(globalThis.fetch.bind(globalThis))
 * const response = await httpGet({
 *   url: new URL('https://idp.example/.well-known/jwks.json'),
 *   timeoutMs: 5000,
 *   maxBytes: 512 * 1024,
 *   certificateValidation: true,
 * })
 * response.status // 200
 *
 * // A fetch the user configured with its own CA bundle:
 * const custom = webHttpGet(myFetchWithCustomCa, { fetchOwnsTls: true })
 * ```
 */
export function webHttpGet(fetchImpl: typeof fetch, options: WebHttpGetOptions = {}): HttpGet {
  const fetchOwnsTls = options.fetchOwnsTls ?? false
  return async (request) => {
    const { url, maxBytes } = request
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new HttpGetFailure('unsupported', `unsupported URL scheme "${url.protocol}"`)
    }
    if (request.addressPolicy !== undefined) {
      // fetch resolves names itself: only the scheme, a literal address and loopback names can be
      // checked here. Other names rely on the runtime's egress controls (see HttpGetRequest).
      const decision = decideUrl(request.addressPolicy, url)
      if (decision !== 'resolve' && !decision.allowed) throw new HttpGetFailure('address_not_allowed', `address not allowed: ${decision.reason}`)
    }
    const customTls = !request.certificateValidation || (request.trustedCertificates?.length ?? 0) > 0
    if (url.protocol === 'https:' && customTls && !fetchOwnsTls) {
      throw new HttpGetFailure(
        'unsupported',
        'this runtime\'s fetch cannot disable certificate validation or trust extra CA certificates: use the Node.js build of tokenward, or inject a fetch configured to do so',
      )
    }

    const signal = AbortSignal.timeout(request.timeoutMs)
    const aborted = whenAborted(signal)
    try {
      const response = await Promise.race([
        fetchImpl(url, { method: 'GET', redirect: 'manual', signal, headers: { accept: acceptHeader } }),
        aborted.promise,
      ])
      if (response.type === 'opaqueredirect') {
        throw new HttpGetFailure('unsupported', 'the server answered with a redirect, which this runtime hides (opaque redirect); redirects are not followed')
      }
      const declared = response.headers.get('content-length')?.trim()
      if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
        response.body?.cancel().catch(() => undefined)
        throw tooLarge(maxBytes)
      }
      const body = await readBody(response.body, maxBytes, aborted.promise)
      return { status: response.status, headers: new Headers(response.headers), body }
    } catch (error) {
      throw failureFor(error, signal, request)
    } finally {
      aborted.dispose()
    }
  }
}
