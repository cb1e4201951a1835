/**
 * IP addresses and CIDR ranges, for telling a trusted proxy from any other peer. Pure.
 *
 * @module
 */

/** An address as bytes: 4 for IPv4, 16 for IPv6 (IPv4-mapped IPv6 addresses become IPv4). */
type AddressBytes = Uint8Array

function parseIpv4(text: string): AddressBytes | undefined {
  const parts = text.split('.')
  if (parts.length !== 4) return undefined
  const bytes = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!
    // Dotted decimal only: no octal (010), hex or shortened forms.
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part) || Number(part) > 255) return undefined
    bytes[i] = Number(part)
  }
  return bytes
}

function parseIpv6(text: string): AddressBytes | undefined {
  const zone = text.indexOf('%')
  const address = zone === -1 ? text : text.slice(0, zone)
  const halves = address.split('::')
  if (halves.length > 2) return undefined
  const groupsOf = (half: string): number[] | undefined => {
    if (half === '') return []
    const out: number[] = []
    const pieces = half.split(':')
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!
      if (i === pieces.length - 1 && piece.includes('.')) {
        const v4 = parseIpv4(piece)
        if (v4 === undefined) return undefined
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!)
      } else if (/^[0-9a-fA-F]{1,4}$/.test(piece)) out.push(Number.parseInt(piece, 16))
      else return undefined
    }
    return out
  }
  const head = groupsOf(halves[0]!)
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail]
  const bytes = new Uint8Array(16)
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8
    bytes[2 * i + 1] = g & 0xff
  })
  return bytes
}

/** Parses an IPv4 or IPv6 address (brackets allowed); an IPv4-mapped IPv6 address becomes IPv4. */
export function parseIpAddress(text: string): AddressBytes | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text
  if (!bare.includes(':')) return parseIpv4(bare)
  const v6 = parseIpv6(bare)
  if (v6 !== undefined && v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) return v6.slice(12)
  return v6
}

/** A parsed range: the address bytes and how many leading bits must match. */
export interface IpRange {
  readonly bytes: AddressBytes
  readonly prefix: number
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a single address (a full-length prefix); `undefined` when invalid. */
export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/')
  const bytes = parseIpAddress(slash === -1 ? text : text.slice(0, slash))
  if (bytes === undefined) return undefined
  if (slash === -1) return { bytes, prefix: bytes.length * 8 }
  const prefixText = text.slice(slash + 1)
  // A mapped IPv6 range (::ffff:10.0.0.0/104) is written against 128 bits; it was turned into IPv4.
  const mapped = text.slice(0, slash).includes(':') && bytes.length === 4
  if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined
  const prefix = Number(prefixText) - (mapped ? 96 : 0)
  if (prefix < 0 || prefix > bytes.length * 8) return undefined
  return { bytes, prefix }
}

/** Whether an address falls in a range (IPv4 and IPv6 never match each other). */
export function ipInRange(address: AddressBytes, range: IpRange): boolean {
  if (address.length !== range.bytes.length) return false
  let bits = range.prefix
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if ((address[i]! & mask) !== (range.bytes[i]! & mask)) return false
  }
  return true
}

/**
 * Builds the "is this peer a trusted proxy?" test from an option: addresses or CIDR ranges, or a
 * function of the peer's address. Bad entries are added to `issues` under `path[i]`; `undefined`
 * when the option is absent.
 */
export function definePeerTrust(
  option: unknown,
  path: string,
  issues: { path: string; message: string }[],
): ((peerAddress: string) => boolean) | undefined {
  if (option === undefined) return undefined
  if (typeof option === 'function') return option as (peerAddress: string) => boolean
  if (!Array.isArray(option)) {
    issues.push({ path, message: 'must be a list of addresses or CIDR ranges, or a function' })
    return undefined
  }
  const ranges: IpRange[] = []
  option.forEach((p: unknown, i) => {
    const range = typeof p === 'string' ? parseIpRange(p) : undefined
    if (range === undefined) issues.push({ path: `${path}[${i}]`, message: 'must be an IP address or CIDR range such as 10.0.0.0/8 or ::1' })
    else ranges.push(range)
  })
  // Requests mostly come from the same few proxies: the answer for the last peer is kept.
  let lastPeer: string | undefined
  let lastAnswer = false
  return (peer) => {
    if (peer === lastPeer) return lastAnswer
    const address = parseIpAddress(peer)
    lastAnswer = address !== undefined && ranges.some((r) => ipInRange(address, r))
    lastPeer = peer
    return lastAnswer
  }
}
