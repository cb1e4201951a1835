import { describe, expect, it } from 'vitest'
import { describeTlsFailure } from './tls-failure.ts'

describe('describeTlsFailure', () => {
  it.each([
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'TLS certificate not trusted (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'TLS certificate not trusted (SELF_SIGNED_CERT_IN_CHAIN)'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)'],
    ['CERT_UNTRUSTED', 'TLS certificate not trusted (CERT_UNTRUSTED)'],
    ['CERT_SIGNATURE_FAILURE', 'TLS certificate not trusted (CERT_SIGNATURE_FAILURE)'],
    ['CERT_REVOKED', 'TLS certificate not trusted (CERT_REVOKED)'],
    ['CERT_HAS_EXPIRED', 'TLS certificate has expired (CERT_HAS_EXPIRED)'],
    ['CERT_NOT_YET_VALID', 'TLS certificate is not yet valid (CERT_NOT_YET_VALID)'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS certificate is not valid for idp.example (ERR_TLS_CERT_ALTNAME_INVALID)'],
    ['HOSTNAME_MISMATCH', 'TLS certificate is not valid for idp.example (HOSTNAME_MISMATCH)'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'TLS handshake failed (ERR_SSL_WRONG_VERSION_NUMBER)'],
    ['ERR_TLS_HANDSHAKE_TIMEOUT', 'TLS handshake failed (ERR_TLS_HANDSHAKE_TIMEOUT)'],
    ['ERR_OSSL_EVP_UNSUPPORTED', 'TLS handshake failed (ERR_OSSL_EVP_UNSUPPORTED)'],
  ])('%s is a TLS failure', (code, message) => {
    expect(describeTlsFailure(code, 'idp.example')).toBe(message)
  })

  it.each(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'EPROTO'])('%s is not', (code) => {
    expect(describeTlsFailure(code, 'idp.example')).toBeUndefined()
  })

  it('counts EPROTO as TLS only when OpenSSL reported it', () => {
    const message = 'write EPROTO 40:error:0A00010B:SSL routines:tls_validate_record_header:wrong version number:../deps/openssl/ssl/record.c:77:'
    expect(describeTlsFailure('EPROTO', 'idp.example', message)).toBe('TLS handshake failed (EPROTO: wrong version number)')
    expect(describeTlsFailure('EPROTO', 'idp.example', 'protocol error')).toBeUndefined()
  })
})
