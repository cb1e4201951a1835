// The Node platform's native base64url decoding must accept exactly what the pure strict decoder
// accepts, and decode it to the same bytes.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBase64Url, encodeBase64Url, isCanonicalBase64Url } from '../jws/base64url.ts'
import { platform as nodePlatform } from './node.ts'
import { platform as webPlatform } from './web.ts'

const alphabetish = fc.stringMatching(/^[A-Za-z0-9_+/= .-]{0,40}$/)

describe.each([
  ['node', nodePlatform],
  ['web', webPlatform],
] as const)('%s platform decodeBase64Url', (_name, platform) => {
  it('agrees with the pure decoder on arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.oneof(alphabetish, fc.string(), fc.string({ unit: 'binary' }), fc.uint8Array({ maxLength: 40 }).map(encodeBase64Url)), (s) => {
        const pure = decodeBase64Url(s)
        const fast = platform.decodeBase64Url(s)
        expect(fast === undefined).toBe(pure === undefined)
        if (pure !== undefined) expect([...fast!]).toEqual([...pure])
        expect(isCanonicalBase64Url(s)).toBe(pure !== undefined)
      }),
      { numRuns: 2000 },
    )
  })

  it('refuses every character outside the alphabet, wherever it stands (exhaustive up to U+0800)', () => {
    // Valid segments of every length class (2, 3, 4, 6, 7, 8, 10 characters); one character replaced at
    // each position. Covers Buffer's leniencies: "+/=" accepted, others skipped or ending the
    // decode, non-ASCII read as its low byte ("Ł" as "A").
    const bases = [1, 2, 3, 4, 5, 6, 7].map((n) => encodeBase64Url(new Uint8Array(n).fill(0x41 + n)))
    const outside: string[] = []
    for (let code = 0; code < 0x800; code++) {
      const c = String.fromCharCode(code)
      if (!/[A-Za-z0-9_-]/.test(c)) outside.push(c)
    }
    outside.push('\u{1F600}', '\uD800', '\uDFFF', '\uFF21')
    let checked = 0
    for (const base of bases) {
      expect(platform.decodeBase64Url(base)).toBeDefined()
      for (let i = 0; i < base.length; i++) {
        for (const c of outside) {
          const s = base.slice(0, i) + c + base.slice(i + 1)
          expect(platform.decodeBase64Url(s), JSON.stringify(s)).toBeUndefined()
          // Inserted rather than replaced: the length changes too.
          const t = base.slice(0, i) + c + base.slice(i)
          expect(platform.decodeBase64Url(t), JSON.stringify(t)).toBeUndefined()
          checked += 2
        }
      }
    }
    expect(checked).toBeGreaterThan(100_000)
  })

  it.each(['', 'aGk', 'aGl', 'aGk=', 'a', 'ab+/', 'ab c', 'QQ', 'QR', 'QUE', 'QUF', 'ŁUFB', 'QUFŁ', 'QU\nFB', 'QUFB\n', 'QUF='])('treats %j like the pure decoder', (s) => {
    expect(platform.decodeBase64Url(s) === undefined).toBe(decodeBase64Url(s) === undefined)
  })
})
