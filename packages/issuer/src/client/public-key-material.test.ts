import { exportJWK } from 'jose'
import forge from 'node-forge'
import { describe, expect, it } from 'vitest'
import { makeClientCertificate, makeClientKeys } from '../testing/issuer-fixture.test-support.ts'
import { publicKeyPemToJwk, readCertificate } from './public-key-material.ts'

describe('registered key material', () => {
  it('reads a certificate made by node-forge: its key and validity period', async () => {
    const notBefore = new Date('2020-01-02T03:04:05Z')
    const notAfter = new Date('2060-06-07T08:09:10Z') // after 2049: GeneralizedTime
    const { certificatePem, privateKey } = await makeClientCertificate(notBefore, notAfter)
    const read = await readCertificate(certificatePem)
    expect(read.notBefore).toBe(notBefore.getTime())
    expect(read.notAfter).toBe(notAfter.getTime())
    const { n, e } = await exportJWK(privateKey)
    expect(read.jwk).toEqual({ kty: 'RSA', n, e })
    expect(forge.pki.certificateFromPem(certificatePem).validity.notAfter.getTime()).toBe(read.notAfter)
  })

  it('converts PEM SPKI (EC P-256) to the same public JWK', async () => {
    const keys = await makeClientKeys('k')
    const { kty, crv, x, y } = keys.publicJwk
    expect(await publicKeyPemToJwk(keys.publicPem)).toEqual({ kty, crv, x, y })
  })

  it.each([
    ['two PEM blocks', (pem: string) => pem + pem],
    ['text around the block', (pem: string) => `hello\n${pem}`],
    ['a truncated body', (pem: string) => pem.replace(/\n[A-Za-z0-9+/=]+\n-----END/, '\n-----END')],
  ])('refuses %s', async (_name, mangle) => {
    const keys = await makeClientKeys('k')
    await expect(publicKeyPemToJwk(mangle(keys.publicPem))).rejects.toThrow()
  })
})
