/**
 * The Node.js {@link HttpGet}: `node:https` / `node:http` requests, which (unlike `fetch`) can
 * trust extra CA certificates and switch certificate validation off per request.
 *
 * @module
 */
import { type ClientRequest, type IncomingMessage, request as httpRequest, type RequestOptions } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Readable, Transform } from 'node:stream'
import * as tls from 'node:tls'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { describeTlsFailure } from './tls-failure.ts'
import { type HttpGet, HttpGetFailure, type HttpGetRequest, type HttpGetResponse } from './types.ts'

/** The runtime's default trust store (bundled roots plus `NODE_EXTRA_CA_CERTS` and, with `--use-system-ca`, the system store). */
const defaultCertificates = (): readonly string[] =>
  typeof tls.getCACertificates === 'function' ? tls.getCACertificates('default') : tls.rootCertificates

const headersFrom = (raw: readonly string[]): Headers => {
  const headers = new Headers()
  for (let i = 0; i + 1 < raw.length; i += 2) {
    try {
      headers.append(raw[i] as string, raw[i + 1] as string)
    } catch {
      // A header Headers cannot represent (invalid name or value) is dropped, not fatal.
    }
  }
  return headers
}

const decoderFor = (encoding: string): Transform | 'identity' | undefined => {
  switch (encoding) {
    case '':
    case 'identity':
      return 'identity'
    case 'gzip':
    case 'x-gzip':
      return createGunzip()
    case 'deflate':
      return createInflate()
    case 'br':
      return createBrotliDecompress()
    default:
      return undefined
  }
}

const failureForSocketError = (error: unknown, url: URL): HttpGetFailure => {
  const code = (error as { code?: unknown } | null)?.code
  const tlsMessage = typeof code === 'string' ? describeTlsFailure(code, url.hostname, error instanceof Error ? error.message : '') : undefined
  if (tlsMessage !== undefined) return new HttpGetFailure('tls', tlsMessage, { cause: error })
  const detail = error instanceof Error ? error.message : String(error)
  return new HttpGetFailure('network', `network error: ${detail}`, { cause: error })
}

const requestOptions = (request: HttpGetRequest): RequestOptions & tls.SecureContextOptions & { rejectUnauthorized?: boolean } => {
  const options: RequestOptions & tls.SecureContextOptions & { rejectUnauthorized?: boolean } = {
    method: 'GET',
    // A fresh connection per fetch, closed after the response: JWKS fetches are minutes apart, and
    // a pooled socket would outlive the request.
    agent: false,
    headers: { accept: 'application/json, application/jwk-set+json', 'accept-encoding': 'identity' },
  }
  if (request.url.protocol === 'https:') {
    options.rejectUnauthorized = request.certificateValidation
    const extra = request.trustedCertificates ?? []
    if (extra.length > 0) options.ca = [...defaultCertificates(), ...extra]
  }
  return options
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
 * every failure.
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
export const nodeHttpGet: HttpGet = (request) =>
  new Promise<HttpGetResponse>((resolve, reject) => {
    const { url, maxBytes, timeoutMs } = request
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      reject(new HttpGetFailure('unsupported', `unsupported URL scheme "${url.protocol}"`))
      return
    }

    let settled = false
    let req: ClientRequest | undefined
    let res: IncomingMessage | undefined
    let decoder: Transform | undefined
    const fail = (failure: HttpGetFailure): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      decoder?.destroy()
      res?.destroy()
      req?.destroy()
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
      const decoding = decoderFor(encoding)
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
        const body = new Uint8Array(total)
        let offset = 0
        for (const chunk of chunks) {
          body.set(chunk, offset)
          offset += chunk.byteLength
        }
        resolve({ status: response.statusCode ?? 0, headers: headersFrom(response.rawHeaders), body })
      })
      response.on('error', (error) => fail(failureForSocketError(error, url)))
      response.on('close', () => {
        if (!response.complete) fail(new HttpGetFailure('network', 'network error: connection closed before the body was complete'))
      })
    }

    try {
      req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, requestOptions(request), onResponse)
    } catch (error) {
      fail(failureForSocketError(error, url))
      return
    }
    req.on('error', (error) => fail(failureForSocketError(error, url)))
    req.end()
  })
