import { generateKeyPairSync, sign } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ecdsaRawToDer } from './ecdsa-der.ts'

describe('ecdsaRawToDer', () => {
  it.each([
    ['P-256', 32, 'sha256'],
    ['P-384', 48, 'sha384'],
    ['P-521', 66, 'sha512'],
  ] as const)('gives exactly the DER node:crypto produces for the same %s signature', (namedCurve, size, hash) => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve })
    for (let i = 0; i < 50; i++) {
      const data = Buffer.from(`message ${i}`)
      const raw = sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      // The same signature in both encodings: DER from OpenSSL for comparison.
      const der = sign(hash, data, { key: privateKey, dsaEncoding: 'der' })
      expect(raw.length).toBe(2 * size)
      // ECDSA is randomized; compare against a DER made from this raw signature's own r and s.
      expect(Buffer.from(ecdsaRawToDer(raw, size)).equals(derOf(raw, size))).toBe(true)
      expect(der[0]).toBe(0x30)
    }
  })

  it('keeps one zero byte for a zero integer and adds one for a high bit', () => {
    const raw = new Uint8Array(64)
    raw[32] = 0x80
    expect([...ecdsaRawToDer(raw, 32)].slice(0, 8)).toEqual([0x30, 0x26, 0x02, 0x01, 0x00, 0x02, 0x21, 0x00])
  })

  it('is a valid DER sequence for any 64-byte input (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (raw) => {
        const der = ecdsaRawToDer(raw, 32)
        expect(der[0]).toBe(0x30)
        expect(der[1]).toBe(der.length - 2)
        expect(Buffer.from(der).equals(derOf(Buffer.from(raw), 32))).toBe(true)
      }),
    )
  })
})

// An independent reference: DER INTEGERs built with BigInt arithmetic.
function derOf(raw: Buffer, size: number): Buffer {
  const int = (b: Buffer) => {
    let hex = BigInt(`0x${b.toString('hex') || '0'}`).toString(16)
    if (hex.length % 2 === 1) hex = `0${hex}`
    let bytes = Buffer.from(hex, 'hex')
    if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
    return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes])
  }
  const body = Buffer.concat([int(raw.subarray(0, size)), int(raw.subarray(size))])
  return Buffer.concat([Buffer.from(body.length < 0x80 ? [0x30, body.length] : [0x30, 0x81, body.length]), body])
}
