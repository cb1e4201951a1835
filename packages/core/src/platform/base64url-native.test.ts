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
      fc.property(fc.oneof(alphabetish, fc.string(), fc.uint8Array({ maxLength: 40 }).map(encodeBase64Url)), (s) => {
        const pure = decodeBase64Url(s)
        const fast = platform.decodeBase64Url(s)
        expect(fast === undefined).toBe(pure === undefined)
        if (pure !== undefined) expect([...fast!]).toEqual([...pure])
        expect(isCanonicalBase64Url(s)).toBe(pure !== undefined)
      }),
      { numRuns: 2000 },
    )
  })

  it.each(['', 'aGk', 'aGl', 'aGk=', 'a', 'ab+/', 'ab c', 'QQ', 'QR', 'QUE', 'QUF'])('treats %j like the pure decoder', (s) => {
    expect(platform.decodeBase64Url(s) === undefined).toBe(decodeBase64Url(s) === undefined)
  })
})
