/**
 * Recognising TLS failures by the error codes Node.js (OpenSSL) and undici report, so both HTTP
 * implementations name them the same way.
 *
 * @module
 */

const trustCodes = /^(?:UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_(?!HAS_EXPIRED$|NOT_YET_VALID$)|ERR_TLS_CERT_SIGNATURE|INVALID_CA$|PATH_LENGTH_EXCEEDED$)/
const tlsCodes = /^(?:ERR_TLS_|ERR_SSL_|ERR_OSSL_|HOSTNAME_MISMATCH$|CERT_|UNABLE_TO_|SELF_SIGNED_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|INVALID_CA$|PATH_LENGTH_EXCEEDED$)/

/**
 * A short, precise description of a TLS failure from its error code, or `undefined` when the code
 * is not a TLS one (then the failure is a plain network error). `EPROTO` counts as TLS when its
 * message comes from OpenSSL's `SSL routines` (for example a TLS request to a plain-HTTP port).
 *
 * @example
 * ```ts
 * describeTlsFailure('SELF_SIGNED_CERT_IN_CHAIN', 'idp.example') // 'TLS certificate not trusted (SELF_SIGNED_CERT_IN_CHAIN)'
 * describeTlsFailure('ERR_TLS_CERT_ALTNAME_INVALID', 'idp.example') // 'TLS certificate is not valid for idp.example (ERR_TLS_CERT_ALTNAME_INVALID)'
 * describeTlsFailure('ECONNREFUSED', 'idp.example') // undefined
 * ```
 */
export function describeTlsFailure(code: string, hostname: string, message = ''): string | undefined {
  if (code === 'EPROTO') {
    const reason = /SSL routines:[^:]*:([^:]+)/.exec(message)?.[1]
    return reason === undefined ? undefined : `TLS handshake failed (EPROTO: ${reason})`
  }
  if (!tlsCodes.test(code)) return undefined
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return `TLS certificate is not valid for ${hostname} (${code})`
  }
  if (code === 'CERT_HAS_EXPIRED') return `TLS certificate has expired (${code})`
  if (code === 'CERT_NOT_YET_VALID') return `TLS certificate is not yet valid (${code})`
  if (trustCodes.test(code)) return `TLS certificate not trusted (${code})`
  return `TLS handshake failed (${code})`
}
