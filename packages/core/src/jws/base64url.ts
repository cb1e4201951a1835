/**
 * Canonical, unpadded base64url (RFC 4648 §5, as RFC 7515 §2 requires for JWS).
 *
 * Decoding is strict: one spelling per byte string. Padding, whitespace, the `+`/`/` alphabet,
 * impossible lengths and non-zero trailing bits are all refused, so a token cannot be altered
 * without changing its decoded bytes.
 *
 * @module
 */

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** Set in a sextet to mark a character outside the alphabet; no real sextet has this bit. */
const invalid = 0x40

/** Char code → 6-bit value, or {@link invalid}. Codes of 128 and above read `undefined`. */
const sextets = new Uint8Array(128).fill(invalid)
for (let i = 0; i < alphabet.length; i++) sextets[alphabet.charCodeAt(i)] = i

const sextetOf = (code: number): number => sextets[code] ?? invalid

/**
 * Decodes one canonical unpadded base64url segment. Returns `undefined` for anything else:
 * characters outside `A-Z a-z 0-9 - _` (including `=`, `+`, `/` and whitespace), a length of
 * 4n+1, or unused trailing bits that are not zero. The empty string decodes to no bytes.
 *
 * @example
 * ```ts
 * decodeBase64Url('aGk')  // Uint8Array [104, 105] ("hi")
 * decodeBase64Url('aGl')  // undefined: trailing bits are not zero
 * decodeBase64Url('aGk=') // undefined: padding is not accepted
 * ```
 */
export function decodeBase64Url(segment: string): Uint8Array | undefined {
  const length = segment.length
  const tail = length & 3
  if (tail === 1) return undefined
  const whole = length - tail
  const bytes = new Uint8Array((whole >> 2) * 3 + (tail === 0 ? 0 : tail - 1))
  let out = 0
  for (let i = 0; i < whole; i += 4) {
    const a = sextetOf(segment.charCodeAt(i))
    const b = sextetOf(segment.charCodeAt(i + 1))
    const c = sextetOf(segment.charCodeAt(i + 2))
    const d = sextetOf(segment.charCodeAt(i + 3))
    if ((a | b | c | d) & invalid) return undefined
    bytes[out++] = (a << 2) | (b >> 4)
    bytes[out++] = ((b & 15) << 4) | (c >> 2)
    bytes[out++] = ((c & 3) << 6) | d
  }
  if (tail === 2) {
    const a = sextetOf(segment.charCodeAt(whole))
    const b = sextetOf(segment.charCodeAt(whole + 1))
    if ((a | b) & invalid || b & 15) return undefined
    bytes[out] = (a << 2) | (b >> 4)
  } else if (tail === 3) {
    const a = sextetOf(segment.charCodeAt(whole))
    const b = sextetOf(segment.charCodeAt(whole + 1))
    const c = sextetOf(segment.charCodeAt(whole + 2))
    if ((a | b | c) & invalid || c & 3) return undefined
    bytes[out] = (a << 2) | (b >> 4)
    bytes[out + 1] = ((b & 15) << 4) | (c >> 2)
  }
  return bytes
}

/**
 * Encodes bytes as canonical unpadded base64url, the only form {@link decodeBase64Url} accepts.
 *
 * @example
 * ```ts
 * encodeBase64Url(new TextEncoder().encode('{"alg":"ES256"}')) // 'eyJhbGciOiJFUzI1NiJ9'
 * ```
 */
export function encodeBase64Url(bytes: Uint8Array): string {
  const length = bytes.length
  const whole = length - (length % 3)
  let text = ''
  for (let i = 0; i < whole; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    text +=
      alphabet.charAt(n >> 18) + alphabet.charAt((n >> 12) & 63) + alphabet.charAt((n >> 6) & 63) + alphabet.charAt(n & 63)
  }
  if (length - whole === 1) {
    const n = bytes[whole] ?? 0
    text += alphabet.charAt(n >> 2) + alphabet.charAt((n & 3) << 4)
  } else if (length - whole === 2) {
    const n = ((bytes[whole] ?? 0) << 8) | (bytes[whole + 1] ?? 0)
    text += alphabet.charAt(n >> 10) + alphabet.charAt((n >> 4) & 63) + alphabet.charAt((n & 15) << 2)
  }
  return text
}

const base64UrlAlphabet = /^[A-Za-z0-9_-]*$/

/**
 * True exactly when {@link decodeBase64Url} would accept `segment`: only the base64url alphabet,
 * no padding, a length other than 4n+1, and zero unused trailing bits. Lets a runtime use a native
 * (lenient) decoder after this check without accepting anything the strict decoder refuses.
 *
 * @example
 * ```ts
 * isCanonicalBase64Url('aGk') // true
 * isCanonicalBase64Url('aGl') // false: trailing bits
 * ```
 */
export function isCanonicalBase64Url(segment: string): boolean {
  return hasZeroTrailingBits(segment) && base64UrlAlphabet.test(segment)
}

/**
 * The length and last-character rules of canonical base64url: the length is not 4n+1, and when
 * it is 4n+2 or 4n+3 the last character is in the alphabet and leaves the unused low bits zero.
 * Says nothing about the other characters.
 */
export function hasZeroTrailingBits(segment: string): boolean {
  const tail = segment.length & 3
  if (tail === 0) return true
  if (tail === 1) return false
  const last = sextetOf(segment.charCodeAt(segment.length - 1))
  return (last & invalid) === 0 && (last & (tail === 2 ? 15 : 3)) === 0
}
