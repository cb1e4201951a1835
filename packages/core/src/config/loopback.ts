/**
 * Loopback host detection, for the one case plain HTTP is tolerated (local development JWKS).
 *
 * @module
 */

/**
 * True for `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]` as `URL.hostname` spells them.
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL('http://127.0.0.1:8080/jwks').hostname) // true
 * isLoopbackHost('example.com') // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase()
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (h === '[::1]' || h === '::1') return true
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h)
  return m !== null && m.slice(1).every((part) => Number(part) <= 255)
}
