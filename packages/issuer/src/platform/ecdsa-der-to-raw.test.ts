import { generateKeyPairSync, sign, verify } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ecdsaDerToRaw } from './ecdsa-der-to-raw.ts'

/** DER for raw halves, written independently of the code under test (minimal INTEGERs). */
function derOf(raw: Uint8Array, size: number): Uint8Array {
  const int = (bytes: Uint8Array) => {
    let start = 0
    while (start < bytes.length - 1 && bytes[start] === 0) start++
    const body = [...bytes.subarray(start)]
    if (body[0]! >= 0x80) body.unshift(0)
    return [0x02, body.length, ...body]
  }
  const content = [...int(raw.subarray(0, size)), ...int(raw.subarray(size))]
  return Uint8Array.from([0x30, ...(content.length > 0x7f ? [0x81] : []), content.length, ...content])
}

describe('ecdsaDerToRaw', () => {
  it.each([
    ['P-256', 32, 'sha256'],
    ['P-384', 48, 'sha384'],
    ['P-521', 66, 'sha512'],
  ] as const)('turns node:crypto DER signatures on %s into JOSE signatures node:crypto verifies', (namedCurve, size, hash) => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve })
    for (let i = 0; i < 40; i++) {
      const data = Buffer.from(`message ${i}`)
      const raw = ecdsaDerToRaw(sign(hash, data, privateKey), size)
      expect(raw.length).toBe(2 * size)
      expect(verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true)
      expect(verify(hash, Buffer.from(`other ${i}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(false)
    }
  })

  it('inverts the minimal DER of any pair of halves (property, short and high-bit integers included)', () => {
    const half = fc.oneof(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ minLength: 1, maxLength: 31 }).map((tail) => Uint8Array.from([...new Array(32 - tail.length).fill(0), ...tail])),
    )
    fc.assert(
      fc.property(half, half, (r, s) => {
        const raw = Uint8Array.from([...r, ...s])
        expect([...ecdsaDerToRaw(derOf(raw, 32), 32)]).toEqual([...raw])
      }),
    )
    // P-521: halves of 66 bytes need the long length form.
    const raw = Uint8Array.from({ length: 132 }, (_, i) => (i * 37 + 200) & 0xff)
    expect([...ecdsaDerToRaw(derOf(raw, 66), 66)]).toEqual([...raw])
  })

  it('refuses anything that is not one minimal-length SEQUENCE of two non-negative INTEGERs that fit', () => {
    const good = derOf(Uint8Array.from({ length: 64 }, (_, i) => i + 1), 32)
    const bad: Array<[string, number[]]> = [
      ['empty', []],
      ['not a SEQUENCE', [0x31, ...good.subarray(1)]],
      ['truncated', [...good.subarray(0, good.length - 1)]],
      ['trailing byte', [...good, 0]],
      ['long length form 0x82', [0x30, 0x82, 0x00, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]],
      ['one INTEGER', [0x30, 0x03, 0x02, 0x01, 0x01]],
      ['not an INTEGER', [0x30, 0x06, 0x04, 0x01, 0x01, 0x02, 0x01, 0x01]],
      ['zero-length INTEGER', [0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01]],
      ['negative INTEGER', [0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01]],
      ['INTEGER past the end', [0x30, 0x06, 0x02, 0x05, 0x01, 0x02, 0x01, 0x01]],
      ['INTEGER wider than the curve', [0x30, 0x26, 0x02, 0x21, 0x01, ...new Array(32).fill(1), 0x02, 0x01, 0x01]],
    ]
    for (const [name, bytes] of bad) expect(() => ecdsaDerToRaw(Uint8Array.from(bytes), 32), name).toThrow(TypeError)
    // A leading zero byte (before a high bit) is fine and dropped.
    expect([...ecdsaDerToRaw(Uint8Array.from([0x30, 0x07, 0x02, 0x02, 0x00, 0x80, 0x02, 0x01, 0x01]), 32)].filter((b) => b !== 0)).toEqual([0x80, 0x01])
  })
})
