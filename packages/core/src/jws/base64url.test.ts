import { Buffer } from 'node:buffer'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64Url, encodeBase64Url } from './base64url.ts'

const bytes = (...values: number[]) => Uint8Array.from(values)

describe('decodeBase64Url', () => {
  it.each([
    ['', bytes()],
    ['AA', bytes(0)],
    ['AAA', bytes(0, 0)],
    ['AAAA', bytes(0, 0, 0)],
    ['aGk', bytes(104, 105)],
    ['aGVsbG8', new TextEncoder().encode('hello')],
    ['_w', bytes(255)],
    ['__8', bytes(255, 255)],
    ['____', bytes(255, 255, 255)],
    ['-_-_', bytes(251, 255, 191)],
    ['eyJhbGciOiJFUzI1NiJ9', new TextEncoder().encode('{"alg":"ES256"}')],
  ])('decodes canonical %j', (segment, expected) => {
    expect(decodeBase64Url(segment)).toEqual(expected)
  })

  it.each([
    ['length 4n+1', 'A'],
    ['length 4n+1 after a full group', 'AAAAA'],
    ['padding', 'aGk='],
    ['double padding', 'AA=='],
    ['padding in the middle', 'AA==AAAA'],
    ['standard alphabet +', 'a+bc'],
    ['standard alphabet /', 'a/bc'],
    ['space', 'aG k'],
    ['leading space', ' aGk'],
    ['trailing newline', 'aGk\n'],
    ['tab', 'aG\tk'],
    ['dot', 'aG.k'],
    ['non-ASCII letter', 'aGé'],
    ['char code 128+ that maps to a letter mod 128', String.fromCharCode(0x41 + 128) + 'AAA'],
    ['char code 256+ that maps to a letter mod 256', String.fromCharCode(0x41 + 256) + 'AAA'],
    ['NUL', 'AA\u0000A'],
    ['non-zero trailing bits, length 4n+2', 'AB'],
    ['non-zero trailing bits, length 4n+2 (lowest bit)', 'AAAAAB'],
    ['non-zero trailing bits, length 4n+3', 'AAB'],
    ['non-zero trailing bits, length 4n+3 (second bit)', 'AAC'],
    ['non-canonical "aGl" for "hi"', 'aGl'],
    ['invalid char in the tail', 'AAAA=A'],
  ])('refuses %s', (_name, segment) => {
    expect(decodeBase64Url(segment)).toBeUndefined()
  })

  it('accepts exactly the canonical last characters for each tail length', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    for (const [index, ch] of [...alphabet].entries()) {
      expect(decodeBase64Url(`A${ch}`) !== undefined).toBe((index & 15) === 0)
      expect(decodeBase64Url(`AA${ch}`) !== undefined).toBe((index & 3) === 0)
    }
  })

  it('agrees with Node Buffer on canonical input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        const text = Buffer.from(b).toString('base64url')
        expect(decodeBase64Url(text)).toEqual(b)
      }),
    )
  })

  it('refuses every string that does not re-encode to itself (canonicality)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_=+/ -]{0,40}$/), (text) => {
        const decoded = decodeBase64Url(text)
        if (decoded !== undefined) expect(encodeBase64Url(decoded)).toBe(text)
      }),
      { numRuns: 2000 },
    )
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        const decoded = decodeBase64Url(text)
        if (decoded !== undefined) expect(encodeBase64Url(decoded)).toBe(text)
      }),
    )
  })
})

describe('encodeBase64Url', () => {
  it.each([
    [bytes(), ''],
    [bytes(0), 'AA'],
    [bytes(104, 105), 'aGk'],
    [bytes(255, 255, 255), '____'],
    [bytes(251, 255, 191), '-_-_'],
  ])('encodes %j as %j', (input, expected) => {
    expect(encodeBase64Url(input)).toBe(expected)
  })

  it('round-trips and matches Node Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const text = encodeBase64Url(b)
        expect(text).toBe(Buffer.from(b).toString('base64url'))
        expect(decodeBase64Url(text)).toEqual(b)
      }),
    )
  })
})
