/**
 * The Node.js {@link HttpGet}: `node:https` / `node:http` requests, which (unlike `fetch`) can
 * trust extra CA certificates and switch certificate validation off per request.
 *
 * @module
 */
import type * as NodeDns from 'node:dns'
import type * as NodeHttp from 'node:http'
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http'
import type * as NodeHttps from 'node:https'
import type { Readable, Transform } from 'node:stream'
import type * as NodeTls from 'node:tls'
import type * as NodeZlib from 'node:zlib'
import { decideAddress, decideUrl, parseIpAddress, type AddressPolicy } from '../network/address-policy.ts'
import { concatBytes } from './bytes.ts'
import { describeTlsFailure } from './tls-failure.ts'
import {
  type ClientCertificatePem,
  type HttpGet,
  HttpGetFailure,
  type HttpGetRequest,
  type HttpGetResponse,
  type HttpPost,
  type ResponseHeaders,
} from './types.ts'

interface Builtins {
  /** Only a request with an address policy resolves names itself. */
  readonly dns: () => typeof NodeDns
  readonly http: typeof NodeHttp
  readonly https: typeof NodeHttps
  readonly tls: typeof NodeTls
  /** Only a server that compresses despite `accept-encoding: identity` needs it. */
  readonly zlib: () => typeof NodeZlib
}

// The modules load with the first request, not with the package: they take ~40 ms, and a verifier
// with inline keys never needs them. `process.getBuiltinModule` hands over the CommonJS modules
// without building ESM namespaces (node:http's namespace also loads undici, another ~15 ms), and a
// bundler cannot hoist it into a static import the way it inlines a dynamic import of this file.
let builtins: Promise<Builtins> | undefined
const loadBuiltins = (): Promise<Builtins> =>
  (builtins ??= (async (): Promise<Builtins> => {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    if (typeof runtime?.getBuiltinModule === 'function') {
      const get = <T>(id: string): T => runtime.getBuiltinModule!(id) as T
      let zlib: typeof NodeZlib | undefined
      let dns: typeof NodeDns | undefined
      return { dns: () => (dns ??= get<typeof NodeDns>('node:dns')), http: get('node:http'), https: get('node:https'), tls: get('node:tls'), zlib: () => (zlib ??= get<typeof NodeZlib>('node:zlib')) }
    }
    const [dns, http, https, tls, zlib] = await Promise.all([import('node:dns'), import('node:http'), import('node:https'), import('node:tls'), import('node:zlib')])
    return { dns: () => dns, http, https, tls, zlib: () => zlib }
  })().catch((cause: unknown) => {
    builtins = undefined
    throw new HttpGetFailure('network', 'network error: the HTTP client could not be loaded', { cause })
  }))

/** The runtime's default trust store (bundled roots plus `NODE_EXTRA_CA_CERTS` and, with `--use-system-ca`, the system store). */
const defaultCertificates = ({ tls }: Builtins): readonly string[] =>
  typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : tls.rootCertificates

/**
 * The response's header fields read the way `Headers.get` reads them (names case-insensitive,
 * values trimmed, repeated fields joined with ", "), without constructing a `Headers`: in Node
 * the first one loads the whole fetch implementation, which a JWKS fetch over node:http does not
 * otherwise need.
 */
const headersFrom = (raw: readonly string[]): ResponseHeaders => {
  const fields = new Map<string, string>()
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = (raw[i + 1] as string).trim()
    const previous = fields.get(name)
    fields.set(name, previous === undefined ? value : `${previous}, ${value}`)
  }
  return { get: (name) => fields.get(name.toLowerCase()) ?? null }
}

const decoderFor = ({ zlib }: Builtins, encoding: string): Transform | 'identity' | undefined => {
  switch (encoding) {
    case '':
    case 'identity':
      return 'identity'
    case 'gzip':
    case 'x-gzip':
      return zlib().createGunzip()
    case 'deflate':
      return zlib().createInflate()
    case 'br':
      return zlib().createBrotliDecompress()
    default:
      return undefined
  }
}

const addressRefused = 'ERR_TOKENWARD_ADDRESS_NOT_ALLOWED'

const failureForSocketError = (error: unknown, url: URL): HttpGetFailure => {
  const code = (error as { code?: unknown } | null)?.code
  if (code === addressRefused) return new HttpGetFailure('address_not_allowed', `address not allowed: ${(error as Error).message}`, { cause: error })
  const tlsMessage = typeof code === 'string' ? describeTlsFailure(code, url.hostname, error instanceof Error ? error.message : '') : undefined
  if (tlsMessage !== undefined) return new HttpGetFailure('tls', tlsMessage, { cause: error })
  const detail = error instanceof Error ? error.message : String(error)
  return new HttpGetFailure('network', `network error: ${detail}`, { cause: error })
}

/** What differs between a GET and a POST; everything else is the {@link HttpGetRequest}. */
interface Exchange {
  readonly method: 'GET' | 'POST'
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string | Uint8Array | undefined
  readonly clientCertificate?: ClientCertificatePem | undefined
}

type TlsOptions = { rejectUnauthorized?: boolean; secureContext?: NodeTls.SecureContext }

/**
 * Secure contexts by trust anchors and client certificate. Building one parses every CA
 * certificate it holds: with `trustMode: 'add'` that is the whole default store (~150 roots), which
 * made each request several times slower than the handshake itself. One client keeps a few.
 */
interface SecureContextCache {
  get(modules: Builtins, key: string, options: NodeTls.SecureContextOptions): NodeTls.SecureContext
}

const secureContextCacheSize = 16

const createSecureContextCache = (): SecureContextCache => {
  const contexts = new Map<string, NodeTls.SecureContext>()
  return {
    get(modules, key, options) {
      const held = contexts.get(key)
      if (held !== undefined) {
        // Most recently used last, so the oldest is dropped first.
        contexts.delete(key)
        contexts.set(key, held)
        return held
      }
      const context = modules.tls.createSecureContext(options)
      contexts.set(key, context)
      if (contexts.size > secureContextCacheSize) contexts.delete(contexts.keys().next().value as string)
      return context
    },
  }
}

/** The TLS half of the options: trust anchors (added to or replacing the defaults), validation switch, client certificate. */
const tlsOptions = (
  modules: Builtins,
  request: HttpGetRequest,
  exchange: Exchange,
  defaults: (modules: Builtins) => readonly string[],
  contexts: SecureContextCache,
): TlsOptions => {
  const options: TlsOptions = { rejectUnauthorized: request.certificateValidation }
  const extra = request.trustedCertificates ?? []
  const only = request.trustMode === 'only'
  const certificate = exchange.clientCertificate
  // Nothing custom: Node's own default context (already cached by Node).
  if (!only && extra.length === 0 && certificate === undefined) return options
  const context: NodeTls.SecureContextOptions = {}
  if (only) context.ca = [...extra]
  else if (extra.length > 0) context.ca = [...defaults(modules), ...extra]
  if (certificate !== undefined) {
    context.cert = certificate.certificate
    context.key = certificate.privateKey
  }
  const key = JSON.stringify([only ? 'only' : 'add', extra, certificate?.certificate ?? null, certificate?.privateKey ?? null])
  options.secureContext = contexts.get(modules, key, context)
  return options
}

const requestOptions = (
  modules: Builtins,
  request: HttpGetRequest,
  exchange: Exchange,
  defaults: (modules: Builtins) => readonly string[],
  contexts: SecureContextCache,
): RequestOptions & TlsOptions => {
  const options: RequestOptions & TlsOptions = {
    method: exchange.method,
    // A fresh connection per fetch, closed after the response: JWKS fetches are minutes apart, and
    // a pooled socket would outlive the request.
    agent: false,
    headers: { ...exchange.headers, 'accept-encoding': 'identity' },
  }
  if (request.url.protocol === 'https:') Object.assign(options, tlsOptions(modules, request, exchange, defaults, contexts))
  return options
}

const getExchange: Exchange = { method: 'GET', headers: {} }
const getAccept = 'application/json, application/jwk-set+json'

/** One answer of a DNS lookup, as `dns.lookup(…, { all: true })` gives it. */
export interface ResolvedAddress {
  readonly address: string
  readonly family: number
}

/** Options of {@link createNodeHttpGet}. */
export interface NodeHttpGetOptions {
  /**
   * Resolves a host name for a request that carries an `addressPolicy` (the answers are checked,
   * then connected to). Default: `dns.lookup` with `all: true`. Tests inject one to play DNS.
   */
  readonly resolve?: ((hostname: string, family: number) => Promise<readonly ResolvedAddress[]>) | undefined
  /**
   * The runtime's default trust anchors (PEM), to which `trustMode: 'add'` appends the request's
   * `trustedCertificates`. Default: `tls.getCACertificates('default')` (bundled roots, plus
   * `NODE_EXTRA_CA_CERTS` and, with `--use-system-ca`, the system store). Tests inject one to play
   * the system store.
   */
  readonly defaultCertificates?: (() => readonly string[]) | undefined
}

type LookupCallback = (error: Error | null, address: string | readonly ResolvedAddress[], family?: number) => void

/**
 * The `lookup` a policed socket connects with: resolves, refuses the whole request if any answer
 * is not allowed, and otherwise hands exactly the checked answers to the socket, so nothing can
 * change between the check and the connection.
 */
const guardedLookup =
  (policy: AddressPolicy, plainHttp: boolean, resolve: (hostname: string, family: number) => Promise<readonly ResolvedAddress[]>) =>
  (hostname: string, options: { family?: number | string; all?: boolean }, callback: LookupCallback): void => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : typeof options.family === 'number' ? options.family : 0
    resolve(hostname, family).then(
      (answers) => {
        if (answers.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '')
        for (const answer of answers) {
          const address = parseIpAddress(answer.address)
          const decision = address === undefined ? undefined : decideAddress(policy, address, { hostname, plainHttp })
          if (decision === undefined || !decision.allowed) {
            const reason = decision === undefined ? `${hostname} resolves to ${answer.address}, which is not an IP address` : decision.reason
            return callback(Object.assign(new Error(reason), { code: addressRefused }), '')
          }
        }
        if (options.all === true) return callback(null, answers)
        const first = answers[0] as ResolvedAddress
        return callback(null, first.address, first.family)
      },
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), ''),
    )
  }

/**
 * Builds the Node.js {@link HttpGet} (see {@link nodeHttpGet}), with the DNS resolution used for
 * requests that carry an `addressPolicy` replaceable.
 *
 * @example
 * ```ts
 * // DNS that answers 127.0.0.1 for every name: a policed request is refused at connect time.
 * const httpGet = createNodeHttpGet({ resolve: async () => [{ address: '127.0.0.1', family: 4 }] })
 * await httpGet({ url: new URL('https://jwks.example/keys'), timeoutMs: 5000, maxBytes: 65536,
 *   certificateValidation: true, addressPolicy: defineAddressPolicy({}) }) // rejects: address_not_allowed
 * ```
 */
export function createNodeHttpGet(options: NodeHttpGetOptions = {}): HttpGet {
  const send = createNodeExchange(options)
  return (request) => send(request, { ...getExchange, headers: { ...request.headers, accept: getAccept } })
}

/**
 * Builds the Node.js {@link HttpPost} (see {@link nodeHttpPost}) with the same replaceable DNS
 * resolution and default trust store as {@link createNodeHttpGet}.
 *
 * @example
 * ```ts
 * const httpPost = createNodeHttpPost({ defaultCertificates: () => [corporateRootCaPem] })
 * const response = await httpPost({ url: new URL('https://as.example/introspect'), timeoutMs: 5000, maxBytes: 65536,
 *   certificateValidation: true, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=abc' })
 * ```
 */
export function createNodeHttpPost(options: NodeHttpGetOptions = {}): HttpPost {
  const send = createNodeExchange(options)
  return (request) =>
    send(request, {
      method: 'POST',
      headers: { accept: 'application/json', ...request.headers },
      body: request.body,
      clientCertificate: request.clientCertificate,
    })
}

const createNodeExchange = (options: NodeHttpGetOptions) => {
  const contexts = createSecureContextCache()
  return async (request: HttpGetRequest, exchange: Exchange): Promise<HttpGetResponse> => {
    const modules = await loadBuiltins()
    const resolve =
      options.resolve ??
      (async (hostname: string, family: number) => modules.dns().promises.lookup(hostname, { all: true, family: family as 0 | 4 | 6 }))
    const defaults = options.defaultCertificates === undefined ? defaultCertificates : () => options.defaultCertificates!()
    return exchangeWith(modules, request, exchange, resolve, defaults, contexts)
  }
}

/**
 * The {@link HttpGet} used on Node.js: one GET with `node:https` (or `node:http` for loopback
 * development URLs). `certificateValidation: false` maps to `rejectUnauthorized: false`;
 * `trustedCertificates` are added to the default trust store. Redirects are not followed. One
 * timer covers DNS, connect, TLS and the whole body. The body is counted as it streams (after
 * decompression, should a server compress despite `accept-encoding: identity`) and the request is
 * destroyed once it exceeds `maxBytes`; a larger `Content-Length` is refused at once. TLS errors
 * (untrusted, expired or wrong-host certificates, handshake failures) reject with kind `tls`, other
 * socket errors with `network`; the original error is the `cause`. The socket is destroyed on
 * every failure. With an `addressPolicy`, a refused scheme or literal address rejects before any
 * connection, and every address DNS returns for a host name is checked in the `lookup` the
 * socket connects with (one refused address refuses the request): kind `address_not_allowed`.
 *
 * @example
 * ```ts
 * const response = await nodeHttpGet({
 *   url: new URL('https://idp.example/.well-known/jwks.json'),
 *   timeoutMs: 5000,
 *   maxBytes: 512 * 1024,
 *   certificateValidation: true,
 *   trustedCertificates: [corporateRootCaPem],
 * })
 * if (response.status === 200) console.log(new TextDecoder().decode(response.body))
 * ```
 */
export const nodeHttpGet: HttpGet = createNodeHttpGet()

/**
 * The {@link HttpPost} used on Node.js: {@link nodeHttpGet}'s behaviour (timeouts, size limits,
 * no redirects, address policy, failure kinds) for a POST with a body, plus a client certificate
 * for mutual TLS (`clientCertificate`), a trust store that adds to or replaces the defaults
 * (`trustMode`), and an `http:` forward proxy (`proxy`: a `CONNECT` tunnel for `https:`, absolute
 * form for `http:`; credentials in the proxy URL become `Proxy-Authorization: Basic`). `accept`
 * defaults to `application/json`.
 *
 * @example
 * ```ts
 * const response = await nodeHttpPost({
 *   url: new URL('https://as.example/oauth2/introspect'),
 *   timeoutMs: 5000,
 *   maxBytes: 64 * 1024,
 *   certificateValidation: true,
 *   trustedCertificates: [privateCaPem],
 *   trustMode: 'only',
 *   proxy: new URL('http://proxy.internal:3128'),
 *   headers: { 'content-type': 'application/x-www-form-urlencoded' },
 *   body: 'token=abc&token_type_hint=access_token',
 *   clientCertificate: { certificate: clientCertPem, privateKey: clientKeyPem },
 * })
 * ```
 */
export const nodeHttpPost: HttpPost = createNodeHttpPost()

const basicProxyAuthorization = (proxy: URL): Record<string, string> =>
  proxy.username === '' && proxy.password === ''
    ? {}
    : { 'proxy-authorization': `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`)))}` }

const withoutBrackets = (hostname: string): string => (hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname)

const exchangeWith = (
  modules: Builtins,
  request: HttpGetRequest,
  exchange: Exchange,
  resolveHost: (hostname: string, family: number) => Promise<readonly ResolvedAddress[]>,
  defaults: (modules: Builtins) => readonly string[],
  contexts: SecureContextCache,
): Promise<HttpGetResponse> =>
  new Promise<HttpGetResponse>((resolve, reject) => {
    const { url, maxBytes, timeoutMs, addressPolicy, proxy } = request
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      reject(new HttpGetFailure('unsupported', `unsupported URL scheme "${url.protocol}"`))
      return
    }
    if (proxy !== undefined && proxy.protocol !== 'http:') {
      reject(new HttpGetFailure('unsupported', `unsupported proxy scheme "${proxy.protocol}": only an http: proxy is supported`))
      return
    }
    if (url.protocol === 'https:' && request.trustMode === 'only' && (request.trustedCertificates?.length ?? 0) === 0) {
      reject(new HttpGetFailure('unsupported', "trustMode 'only' needs at least one trusted certificate"))
      return
    }
    let options: ReturnType<typeof requestOptions>
    try {
      options = requestOptions(modules, request, exchange, defaults, contexts)
    } catch (cause) {
      // Reading the default trust store can be refused (Deno without --allow-sys).
      reject(new HttpGetFailure('unsupported', `the TLS settings could not be prepared: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }))
      return
    }
    if (addressPolicy !== undefined) {
      const decision = decideUrl(addressPolicy, url)
      if (decision !== 'resolve' && !decision.allowed) {
        reject(new HttpGetFailure('address_not_allowed', `address not allowed: ${decision.reason}`))
        return
      }
      // Node never calls `lookup` for a literal address; the decision above covered it. Through a
      // proxy, the proxy resolves the name (see HttpGetRequest.proxy).
      if (parseIpAddress(url.hostname) === undefined && proxy === undefined) {
        options.lookup = guardedLookup(addressPolicy, url.protocol === 'http:', resolveHost) as unknown as NonNullable<RequestOptions['lookup']>
      }
    }

    let settled = false
    let req: ClientRequest | undefined
    let res: IncomingMessage | undefined
    let decoder: Transform | undefined
    let tunnel: ClientRequest | undefined
    let tunnelSocket: { destroy(): void } | undefined
    const fail = (failure: HttpGetFailure): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      decoder?.destroy()
      res?.destroy()
      req?.destroy()
      tunnel?.destroy()
      tunnelSocket?.destroy()
      reject(failure)
    }
    const timer = setTimeout(() => fail(new HttpGetFailure('timeout', `timed out after ${timeoutMs} ms`)), timeoutMs)

    const onResponse = (response: IncomingMessage): void => {
      res = response
      const declared = response.headers['content-length']?.trim()
      if (declared !== undefined && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
        fail(new HttpGetFailure('too_large', `response larger than ${maxBytes} bytes`))
        return
      }
      const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase()
      const decoding = decoderFor(modules, encoding)
      if (decoding === undefined) {
        fail(new HttpGetFailure('network', `unsupported content-encoding "${encoding}"`))
        return
      }
      let source: Readable = response
      if (decoding !== 'identity') {
        decoder = decoding
        decoder.on('error', (error) => fail(new HttpGetFailure('network', `invalid ${encoding} body: ${error.message}`, { cause: error })))
        source = response.pipe(decoder)
      }

      const chunks: Buffer[] = []
      let total = 0
      source.on('data', (chunk: Buffer) => {
        total += chunk.byteLength
        if (total > maxBytes) {
          fail(new HttpGetFailure('too_large', `response larger than ${maxBytes} bytes`))
          return
        }
        chunks.push(chunk)
      })
      source.on('end', () => {
        if (settled) return
        if (!response.complete) {
          fail(new HttpGetFailure('network', 'network error: connection closed before the body was complete'))
          return
        }
        settled = true
        clearTimeout(timer)
        resolve({ status: response.statusCode ?? 0, headers: headersFrom(response.rawHeaders), body: concatBytes(chunks, total) })
      })
      response.on('error', (error) => fail(failureForSocketError(error, url)))
      response.on('close', () => {
        if (!response.complete) fail(new HttpGetFailure('network', 'network error: connection closed before the body was complete'))
      })
    }

    const send = (): void => {
      if (settled) return
      try {
        req = (url.protocol === 'https:' ? modules.https.request : modules.http.request)(url, options, onResponse)
      } catch (error) {
        fail(failureForSocketError(error, url))
        return
      }
      req.on('error', (error) => fail(failureForSocketError(error, url)))
      if (exchange.body !== undefined) req.end(exchange.body)
      else req.end()
    }

    if (proxy === undefined) {
      send()
      return
    }
    const proxyPort = Number(proxy.port || 80)
    const proxyHost = withoutBrackets(proxy.hostname)
    if (url.protocol === 'http:') {
      // Plain HTTP through a forward proxy: the request line carries the absolute URL (RFC 9112 §3.2.2).
      Object.assign(options, { host: proxyHost, port: proxyPort, path: url.href, headers: { ...options.headers, host: url.host, ...basicProxyAuthorization(proxy) } })
      try {
        req = modules.http.request(options, onResponse)
      } catch (error) {
        fail(failureForSocketError(error, url))
        return
      }
      req.on('error', (error) => fail(failureForSocketError(error, proxy)))
      if (exchange.body !== undefined) req.end(exchange.body)
      else req.end()
      return
    }
    // HTTPS through a CONNECT tunnel: TLS (and the server's certificate check) runs end to end.
    const authority = `${url.hostname}:${url.port || 443}`
    tunnel = modules.http.request({
      host: proxyHost,
      port: proxyPort,
      method: 'CONNECT',
      path: authority,
      agent: false,
      headers: { host: authority, ...basicProxyAuthorization(proxy) },
    })
    tunnel.on('error', (error) => fail(failureForSocketError(error, proxy)))
    tunnel.on('connect', (answer: IncomingMessage, socket) => {
      tunnelSocket = socket
      answer.resume()
      if (answer.statusCode !== 200) {
        fail(new HttpGetFailure('network', `network error: the proxy refused the tunnel to ${authority} (HTTP ${answer.statusCode ?? 0})`))
        return
      }
      const servername = withoutBrackets(url.hostname)
      const tlsSettings: NodeTls.ConnectionOptions = {
        // The TLS half computed above (trust anchors and client certificate, validation switch).
        ...(options.secureContext !== undefined ? { secureContext: options.secureContext } : {}),
        rejectUnauthorized: options.rejectUnauthorized,
        socket,
        host: servername,
        ...(parseIpAddress(servername) === undefined ? { servername } : {}),
      }
      Object.assign(options, { agent: undefined, createConnection: () => modules.tls.connect(tlsSettings) })
      send()
    })
    tunnel.end()
  })
