/**
 * Pure parsers for the headers TLS-terminating proxies put the client certificate in. Use them
 * only for requests from a configured trusted peer (or with a shared secret): any client can send
 * these headers, so a proxy must strip them on the way in and an adapter must ignore them from
 * anyone else. Each returns `undefined` for a value it cannot read — never a guess.
 *
 * @module
 */
import { certificateDer, decodeBase64 } from './client-certificate.ts'

const maxHeaderLength = 128 * 1024

/**
 * RFC 9440 `Client-Cert`: the DER certificate as a structured-field byte sequence, `:base64:`.
 *
 * @example
 * ```ts
 * const der = parseClientCertHeader(headers.get('client-cert') ?? '')
 * ```
 */
export function parseClientCertHeader(value: string): Uint8Array | undefined {
  if (typeof value !== 'string' || value.length > maxHeaderLength) return undefined
  const trimmed = value.trim()
  if (trimmed.length < 3 || !trimmed.startsWith(':') || !trimmed.endsWith(':')) return undefined
  const der = decodeBase64(trimmed.slice(1, -1))
  return der === undefined ? undefined : certificateDer(der)
}

/**
 * A URL-encoded PEM certificate, as nginx's `$ssl_client_escaped_cert` and AWS ALB's
 * `X-Amzn-Mtls-Clientcert` send it. A `+` is a literal `+` (a base64 character), never a space:
 * ALB leaves `+`, `=` and `/` unescaped.
 *
 * @example
 * ```ts
 * const der = parseUrlEncodedPemHeader(headers.get('x-amzn-mtls-clientcert') ?? '')
 * ```
 */
export function parseUrlEncodedPemHeader(value: string): Uint8Array | undefined {
  // A URL-encoded PEM has no literal comma: one is the ", " that joins a repeated header field
  // (a client's own copy beside the proxy's), and the first block would be the client's.
  if (typeof value !== 'string' || value.length > maxHeaderLength || value.includes(',')) return undefined
  let pem: string
  try {
    pem = decodeURIComponent(value.trim())
  } catch {
    return undefined
  }
  return certificateDer(pem)
}

/**
 * One element of Envoy's `X-Forwarded-Client-Cert`: what one proxy saw of its client.
 *
 * @example
 * ```ts
 * const element: XfccElement = { hash: '3e1f...', cert: undefined, by: 'spiffe://cluster/ns/app' }
 * ```
 */
export interface XfccElement {
  /** `Hash`: hex SHA-256 of the client certificate's DER, lower case. */
  readonly hash: string | undefined
  /** `Cert`: the client certificate's DER (from the URL-encoded PEM), when the proxy sends it. */
  readonly cert: Uint8Array | undefined
  /** `By`: the proxy's own identity (URI SAN). */
  readonly by: string | undefined
  /** Every key (lower-cased) and its unquoted value, for the rest (`Subject`, `URI`, `DNS`, `Chain`). */
  readonly fields: Readonly<Record<string, string>>
}

/**
 * Parses Envoy's `X-Forwarded-Client-Cert`: comma-separated elements of `;`-separated `Key=value`
 * pairs, values optionally double-quoted (with `\"` escapes). Each proxy appends one element, so
 * the last one was added by the proxy nearest to the application. `undefined` when the syntax is
 * broken or a `Hash` or `Cert` cannot be read.
 *
 * @example
 * ```ts
 * const elements = parseXfccHeader(headers.get('x-forwarded-client-cert') ?? '')
 * const nearest = elements?.at(-1)
 * ```
 */
export function parseXfccHeader(value: string): readonly XfccElement[] | undefined {
  if (typeof value !== 'string' || value.length > maxHeaderLength) return undefined
  const elements: XfccElement[] = []
  let fields: Record<string, string> = {}
  let i = 0
  const finishElement = (): boolean => {
    const hash = fields.hash
    if (hash !== undefined && !/^[0-9a-fA-F]{64}$/.test(hash)) return false
    let cert: Uint8Array | undefined
    if (fields.cert !== undefined) {
      cert = parseUrlEncodedPemHeader(fields.cert)
      if (cert === undefined) return false
    }
    elements.push({ hash: hash?.toLowerCase(), cert, by: fields.by, fields })
    fields = {}
    return true
  }
  while (i <= value.length) {
    while (value[i] === ' ' || value[i] === '\t') i++
    const eq = value.indexOf('=', i)
    if (eq < 0) return undefined
    const key = value.slice(i, eq).trim().toLowerCase()
    if (!/^[a-z0-9_-]+$/.test(key)) return undefined
    i = eq + 1
    let v = ''
    if (value[i] === '"') {
      i++
      for (;;) {
        if (i >= value.length) return undefined
        const c = value[i]!
        if (c === '\\' && i + 1 < value.length) {
          v += value[i + 1]
          i += 2
        } else if (c === '"') {
          i++
          break
        } else {
          v += c
          i++
        }
      }
    } else {
      let end = i
      while (end < value.length && value[end] !== ';' && value[end] !== ',') end++
      v = value.slice(i, end).trim()
      // An unquoted value is a plain token: spaces, quotes and '=' need quotes.
      if (!/^[^\s"=]*$/.test(v)) return undefined
      i = end
    }
    if (Object.hasOwn(fields, key)) return undefined
    fields[key] = v
    while (value[i] === ' ' || value[i] === '\t') i++
    if (i >= value.length) {
      if (!finishElement()) return undefined
      break
    }
    if (value[i] === ';') i++
    else if (value[i] === ',') {
      if (!finishElement()) return undefined
      i++
    } else return undefined
  }
  return elements.length > 0 ? elements : undefined
}

/**
 * The RFC 8705 `x5t#S256` an XFCC element's `Hash` stands for (hex SHA-256 → base64url), so a
 * binding can be checked when Envoy forwards only the hash.
 *
 * @example
 * ```ts
 * const x5t = xfccHashToThumbprint(nearest.hash!) // compare with cnf['x5t#S256']
 * ```
 */
export function xfccHashToThumbprint(hash: string): string | undefined {
  if (!/^[0-9a-fA-F]{64}$/.test(hash)) return undefined
  let binary = ''
  for (let i = 0; i < 64; i += 2) binary += String.fromCharCode(parseInt(hash.slice(i, i + 2), 16))
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}
