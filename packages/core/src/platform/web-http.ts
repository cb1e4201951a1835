/**
 * The Web-standard {@link HttpGet}: `fetch` with a timeout, no redirects, and a streamed size limit.
 *
 * @module
 */
import { decideUrl, decideUrlUnresolved } from '../network/address-policy.ts'
import { concatBytes } from './bytes.ts'
import { describeTlsFailure } from './tls-failure.ts'
import { type ClientCertificatePem, type HttpGet, HttpGetFailure, type HttpGetRequest, type HttpGetResponse, type HttpPost } from './types.ts'

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
   *
   * On a plain `fetch` runtime (Workers, browsers), an injected `fetch` also owns the client
   * certificate and the proxy: a Cloudflare Workers mTLS binding (`env.AS_CERT.fetch`) presents
   * its own certificate, so a POST carrying `clientCertificate` is sent through it unchanged.
   * Without `fetchOwnsTls` such a POST is refused (`unsupported`): the certificate would be lost.
   */
  readonly fetchOwnsTls?: boolean
  /**
   * `true` when `fetch` was injected by the user: under a request's `addressPolicy`, a host name
   * is then refused unless the policy allows it by name or says the injected `fetch` resolves
   * safely (see `decideUrlUnresolved`), because the addresses that `fetch` connects to cannot be
   * checked. `false` (the default) for the runtime's own `fetch`, whose names are left to the
   * runtime's egress controls.
   */
  readonly injectedFetch?: boolean
  /**
   * How this runtime's `fetch` takes per-request TLS and proxy settings (a client certificate, CA
   * certificates, a proxy). Default: detected once — `'deno'` when `globalThis.Deno` offers
   * `createHttpClient`, `'bun'` when `globalThis.Bun` exists, otherwise `'fetch'` (a plain
   * `fetch`, as on Workers and in browsers, which can do none of them). See {@link webHttpPost}.
   */
  readonly runtime?: WebFetchRuntime
}

/**
 * The TLS/proxy dialect of a runtime's `fetch`: Deno's `Deno.createHttpClient({ cert, key,
 * caCerts, proxy })`, Bun's `fetch(url, { tls: { cert, key, ca }, proxy })`, or a plain `fetch`.
 *
 * @example
 * ```ts
 * const httpPost = webHttpPost(fetch, { runtime: { kind: 'fetch' } }) // refuses client certificates
 * ```
 */
export type WebFetchRuntime =
  | { readonly kind: 'deno'; readonly createHttpClient: (options: Record<string, unknown>) => { close(): void } }
  | { readonly kind: 'bun' }
  | { readonly kind: 'fetch' }

const detectRuntime = (): WebFetchRuntime => {
  const deno = (globalThis as { Deno?: { createHttpClient?: unknown } }).Deno
  if (typeof deno?.createHttpClient === 'function') {
    const create = deno.createHttpClient as (options: Record<string, unknown>) => { close(): void }
    return { kind: 'deno', createHttpClient: (options) => create.call(deno, options) }
  }
  if ((globalThis as { Bun?: unknown }).Bun !== undefined) return { kind: 'bun' }
  return { kind: 'fetch' }
}

/** What differs between a GET and a POST. */
interface WebExchange {
  readonly method: 'GET' | 'POST'
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array | undefined
  readonly clientCertificate?: ClientCertificatePem | undefined
}

/** The extra `fetch` init a runtime needs for a request's TLS and proxy settings, and how to release it. */
interface RuntimeInit {
  readonly init: Record<string, unknown>
  readonly release: () => void
}

const noRuntimeInit: RuntimeInit = { init: {}, release: () => undefined }

const unsupported = (message: string): HttpGetFailure => new HttpGetFailure('unsupported', message)

/**
 * Translates a request's client certificate, trust anchors and proxy into the runtime's `fetch`
 * options, or refuses what the runtime cannot do (never silently weaker).
 */
const runtimeInitFor = (runtime: WebFetchRuntime, request: HttpGetRequest, exchange: WebExchange, fetchOwnsTls: boolean): RuntimeInit => {
  const https = request.url.protocol === 'https:'
  const extra = https ? (request.trustedCertificates ?? []) : []
  const only = https && request.trustMode === 'only'
  const skipValidation = https && !request.certificateValidation
  const certificate = https ? exchange.clientCertificate : undefined
  const proxy = request.proxy
  if (proxy !== undefined && proxy.protocol !== 'http:') throw unsupported(`unsupported proxy scheme "${proxy.protocol}": only an http: proxy is supported`)
  if (only && extra.length === 0) throw unsupported("trustMode 'only' needs at least one trusted certificate")
  if (extra.length === 0 && !skipValidation && certificate === undefined && proxy === undefined) return noRuntimeInit
  switch (runtime.kind) {
    case 'deno': {
      if (skipValidation) throw unsupported('Deno cannot switch certificate validation off for one request')
      if (only) throw unsupported("Deno adds CA certificates to its defaults and cannot replace them: trustMode 'only' is not available")
      const client = runtime.createHttpClient({
        ...(extra.length > 0 ? { caCerts: [...extra] } : {}),
        ...(certificate !== undefined ? { cert: certificate.certificate, key: certificate.privateKey } : {}),
        ...(proxy !== undefined ? { proxy: { url: proxy.href } } : {}),
      })
      return { init: { client }, release: () => client.close() }
    }
    case 'bun': {
      let ca: readonly string[] | undefined
      if (extra.length > 0) {
        if (only) ca = extra
        else {
          const tls = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.('node:tls') as
            | { rootCertificates?: readonly string[] }
            | undefined
          if (tls?.rootCertificates === undefined) throw unsupported("this runtime cannot add CA certificates to its defaults: use trustMode 'only'")
          ca = [...tls.rootCertificates, ...extra]
        }
      }
      const tlsInit = {
        ...(ca !== undefined ? { ca: [...ca] } : {}),
        ...(skipValidation ? { rejectUnauthorized: false } : {}),
        ...(certificate !== undefined ? { cert: certificate.certificate, key: certificate.privateKey } : {}),
      }
      return { init: { ...(Object.keys(tlsInit).length > 0 ? { tls: tlsInit } : {}), ...(proxy !== undefined ? { proxy: proxy.href } : {}) }, release: () => undefined }
    }
    case 'fetch':
      // An injected fetch owns its TLS and proxy settings (WebHttpGetOptions.fetchOwnsTls), such
      // as a Workers mTLS binding that presents its own client certificate.
      if (fetchOwnsTls) return noRuntimeInit
      if (certificate !== undefined) {
        throw unsupported('this runtime\'s fetch cannot present a client certificate (mutual TLS): use the Node.js, Deno or Bun build, or inject a fetch that presents it (a Workers mTLS binding)')
      }
      if (proxy !== undefined) throw unsupported('this runtime\'s fetch cannot use a proxy for one request: use the Node.js, Deno or Bun build')
      throw unsupported(
        'this runtime\'s fetch cannot disable certificate validation or trust extra CA certificates: use the Node.js build of tokenward, or inject a fetch configured to do so',
      )
  }
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
  const send = webExchange(fetchImpl, options, false)
  return (request) => send(request, { method: 'GET', headers: { ...request.headers, accept: acceptHeader } })
}

/**
 * Builds an {@link HttpPost} on a `fetch` implementation, with {@link webHttpGet}'s timeout, size
 * limit, redirect and failure rules. A client certificate, CA certificates and a proxy are passed
 * the way the runtime's `fetch` takes them (see {@link WebFetchRuntime}): Deno through
 * `Deno.createHttpClient` (which can add CAs but not replace them: `trustMode: 'only'` is
 * refused), Bun through its `tls` and `proxy` fetch options. A plain `fetch` (Workers, browsers)
 * can do none of this: such requests reject with kind `unsupported` — unless the `fetch` was
 * injected with `fetchOwnsTls`, which then owns CA, validation, client certificate and proxy
 * settings (for example a Workers mTLS binding's `fetch`). `accept` defaults to
 * `application/json`.
 *
 * @example
 * ```ts
 * const httpPost = webHttpPost(globalThis.fetch.bind(globalThis))
 * const response = await httpPost({
 *   url: new URL('https://as.example/oauth2/introspect'),
 *   timeoutMs: 5000,
 *   maxBytes: 64 * 1024,
 *   certificateValidation: true,
 *   headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic …' },
 *   body: 'token=abc&token_type_hint=access_token',
 * })
 * ```
 */
export function webHttpPost(fetchImpl: typeof fetch, options: WebHttpGetOptions = {}): HttpPost {
  const send = webExchange(fetchImpl, options, true)
  return (request) =>
    send(request, {
      method: 'POST',
      headers: { accept: 'application/json', ...request.headers },
      body: request.body,
      clientCertificate: request.clientCertificate,
    })
}

const webExchange = (fetchImpl: typeof fetch, options: WebHttpGetOptions, post: boolean) => {
  const fetchOwnsTls = options.fetchOwnsTls ?? false
  let runtime = options.runtime
  return async (request: HttpGetRequest, exchange: WebExchange): Promise<HttpGetResponse> => {
    const { url, maxBytes } = request
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new HttpGetFailure('unsupported', `unsupported URL scheme "${url.protocol}"`)
    }
    if (request.addressPolicy !== undefined) {
      // fetch resolves names itself: only the scheme, a literal address and loopback names can be
      // checked here. Other names rely on the runtime's egress controls (see HttpGetRequest).
      const decision = options.injectedFetch === true ? decideUrlUnresolved(request.addressPolicy, url) : decideUrl(request.addressPolicy, url)
      if (decision !== 'resolve' && !decision.allowed) throw new HttpGetFailure('address_not_allowed', `address not allowed: ${decision.reason}`)
    }
    let extra = noRuntimeInit
    if (post || request.proxy !== undefined || request.trustMode === 'only') {
      extra = runtimeInitFor((runtime ??= detectRuntime()), request, exchange, fetchOwnsTls)
    } else {
      const customTls = !request.certificateValidation || (request.trustedCertificates?.length ?? 0) > 0
      if (url.protocol === 'https:' && customTls && !fetchOwnsTls) {
        throw new HttpGetFailure(
          'unsupported',
          'this runtime\'s fetch cannot disable certificate validation or trust extra CA certificates: use the Node.js build of tokenward, or inject a fetch configured to do so',
        )
      }
    }

    const signal = AbortSignal.timeout(request.timeoutMs)
    const aborted = whenAborted(signal)
    try {
      const init: RequestInit = { method: exchange.method, redirect: 'manual', signal, headers: exchange.headers, ...extra.init }
      if (exchange.body !== undefined) init.body = exchange.body as BodyInit
      const response = await Promise.race([fetchImpl(url, init), aborted.promise])
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
      extra.release()
    }
  }
}
