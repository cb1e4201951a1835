import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha256Hex, sha256Key } from './token-digest.ts'

describe('sha256Hex', () => {
  it.each([
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  ])('matches the FIPS 180-4 vector for %j', (input, digest) => {
    expect(sha256Hex(input)).toBe(digest)
  })

  it('agrees with node:crypto on every length across block boundaries, and on non-ASCII text', () => {
    for (let length = 0; length < 300; length++) {
      const text = randomBytes(length).toString('latin1')
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text, 'utf8').digest('hex'))
    }
    expect(sha256Hex('jeton-é-🔑')).toBe(createHash('sha256').update('jeton-é-🔑', 'utf8').digest('hex'))
  })
})

describe('sha256Key', () => {
  // By UTF-16 code unit: the key may hold surrogate pairs, which spreading would merge.
  const asHex = (key: string) => Array.from({ length: key.length }, (_, i) => key.charCodeAt(i).toString(16).padStart(4, '0')).join('')
  it('is the SHA-256 of ASCII text, for every length across block boundaries', () => {
    expect(sha256Key('a'.repeat(277))).toHaveLength(16)
    for (let length = 0; length < 300; length++) {
      const text = randomBytes(length).toString('base64url').slice(0, length)
      expect(asHex(sha256Key(text))).toBe(createHash('sha256').update(text, 'ascii').digest('hex'))
    }
  })
  it('falls back to the hex digest for non-ASCII text', () => {
    expect(sha256Key('jeton-é')).toBe(sha256Hex('jeton-é'))
  })
})
