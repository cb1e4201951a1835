/**
 * Loopback host detection, for the one case plain HTTP is tolerated (local development JWKS).
 *
 * @module
 */
import { classifyAddress, parseIpAddress } from '../network/address-policy.ts'

/**
 * True for `localhost`, `*.localhost` and loopback addresses (127.0.0.0/8 and `::1`, in any
 * spelling the address policy reads, IPv4-mapped included), with or without IPv6 brackets.
 *
 * @example
 * ```ts
 * isLoopbackHost(new URL('http://127.0.0.1:8080/jwks').hostname) // true
 * isLoopbackHost('[::ffff:7f00:1]') // true
 * isLoopbackHost('example.com') // false
 * ```
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  const address = parseIpAddress(h)
  return address !== undefined && classifyAddress(address) === 'loopback'
}
