/**
 * Which network addresses a URL that came from a tenant may reach: parse every textual IPv4 and
 * IPv6 form (the ones the WHATWG URL parser and `inet_aton` accept: `2852039166`, `0251.0376.0251.0376`,
 * `0xa9fea9fe`, `127.1`, `::ffff:a9fe:a9fe`, `[64:ff9b::a9fe:a9fe]`), classify it after the IANA
 * special-purpose registries, and decide against an operator's allow-list. Pure: no DNS, no I/O.
 * The HTTP clients apply the decision (Node.js to every address DNS returns, at connect time).
 *
 * @module
 */
import { ConfigError, type ConfigIssue } from '../errors.ts'

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpAddress {
  readonly version: 4 | 6
  readonly bytes: Uint8Array
}

/**
 * What an address is. Only `public` is reachable by default; every other class needs the
 * operator's allow-list (or, for `loopback`, the `developmentLoopback` flag).
 */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link_local'
  | 'unique_local'
  | 'multicast'
  | 'broadcast'
  | 'documentation'
  | 'benchmarking'
  | 'reserved'

/** What the operator opens beyond public addresses. */
export interface AddressPolicyOptions {
  /**
   * Ranges and hosts that may be fetched although they are not public: CIDRs (`10.20.0.0/16`,
   * `fd00:1::/48`), single addresses (`10.0.0.7`, `::1`), host names (`jwks.corp.example`) and
   * subdomain wildcards (`*.corp.example`). A host name opens every address it resolves to.
   */
  readonly allow?: readonly string[] | undefined
  /**
   * Development only: loopback addresses (127.0.0.0/8, `::1`, `localhost`) may be fetched, and
   * plain `http:` is accepted for them (never for any other address). Default `false`.
   */
  readonly developmentLoopback?: boolean | undefined
  /**
   * An explicit opt-out for an injected `fetch`: tokenward cannot see the addresses such a
   * `fetch` resolves a host name to, so under an address policy a host name not on `allow` is
   * refused (`address_not_allowed`) — a name could resolve to 169.254.169.254 or an internal
   * service. Set `true` only when the injected `fetch` enforces an equivalent policy on the
   * addresses it connects to (an egress proxy, a resolver that filters). Default `false`.
   */
  readonly injectedFetchResolvesSafely?: boolean | undefined
}

/**
 * A CIDR range of an {@link AddressPolicy}'s allow-list: the first `prefix` bits of `bytes`.
 *
 * @example
 * ```ts
 * defineAddressPolicy({ allow: ['10.20.0.0/16'] }).allowRanges[0] // { version: 4, bytes: [10, 20, 0, 0], prefix: 16 }
 * ```
 */
export interface AddressRange {
  readonly version: 4 | 6
  readonly bytes: Uint8Array
  readonly prefix: number
}

/** A checked {@link AddressPolicyOptions}, built by {@link defineAddressPolicy}. */
export interface AddressPolicy {
  readonly _tag: 'AddressPolicy'
  readonly allowRanges: readonly AddressRange[]
  /** Lowercase host names; a leading `*.` matches any subdomain. */
  readonly allowHosts: readonly string[]
  readonly developmentLoopback: boolean
  /** See {@link AddressPolicyOptions.injectedFetchResolvesSafely}; absent means `false`. */
  readonly injectedFetchResolvesSafely?: boolean | undefined
}

/** The answer of {@link decideAddress} and {@link decideUrl}. */
export type AddressDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false
      /** The class of the refused address (`undefined` when the scheme alone was refused). */
      readonly addressClass: AddressClass | undefined
      /** For operators' logs: what was refused and why. */
      readonly reason: string
    }

const ipv4Part = (text: string): number | undefined => {
  if (/^0[xX][0-9a-fA-F]*$/.test(text)) return text.length === 2 ? 0 : parseInt(text.slice(2), 16)
  if (/^0[0-7]+$/.test(text)) return parseInt(text.slice(1), 8)
  if (/^(0|[1-9][0-9]*)$/.test(text)) return Number(text)
  return undefined
}

/** IPv4 as the WHATWG URL parser and `inet_aton` read it: 1 to 4 parts, decimal, octal or hex. */
const parseIpv4 = (text: string): Uint8Array | undefined => {
  const parts = text.split('.')
  if (parts.length > 1 && parts.at(-1) === '') parts.pop()
  if (parts.length < 1 || parts.length > 4 || parts.some((p) => p.length === 0 || p.length > 40)) return undefined
  const values = parts.map(ipv4Part)
  if (values.some((v) => v === undefined || !Number.isSafeInteger(v))) return undefined
  const numbers = values as number[]
  const last = numbers.pop() as number
  if (numbers.some((v) => v > 255) || last >= 256 ** (4 - numbers.length)) return undefined
  let value = last
  numbers.forEach((v, i) => (value += v * 256 ** (3 - i)))
  return new Uint8Array([value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255])
}

const parseIpv6 = (input: string): Uint8Array | undefined => {
  let text = input
  const zone = text.indexOf('%')
  if (zone !== -1) text = text.slice(0, zone)
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const groupsOf = (half: string): number[] | undefined => {
    if (half === '') return []
    const groups: number[] = []
    const pieces = half.split(':')
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i] as string
      if (i === pieces.length - 1 && piece.includes('.')) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(piece)) return undefined
        const v4 = piece.split('.').map(Number)
        if (v4.some((n) => n > 255 || Number.isNaN(n))) return undefined
        groups.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number))
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(piece)) return undefined
        groups.push(parseInt(piece, 16))
      }
    }
    return groups
  }
  const head = groupsOf(halves[0] as string)
  const tail = halves.length === 2 ? groupsOf(halves[1] as string) : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const groups = [...head, ...new Array<number>(missing).fill(0), ...tail]
  const bytes = new Uint8Array(16)
  groups.forEach((g, i) => {
    bytes[2 * i] = g >> 8
    bytes[2 * i + 1] = g & 255
  })
  return bytes
}

/**
 * Parses an IP address in any textual form the WHATWG URL parser or Node's `net` accepts: IPv4
 * with 1 to 4 decimal, octal (`0`-prefixed) or hex (`0x`) parts and an optional trailing dot, and
 * IPv6 with or without brackets, `::` compression, an embedded dotted IPv4 and a zone (`%eth0`,
 * ignored). `undefined` for anything else, host names included.
 *
 * @example
 * ```ts
 * parseIpAddress('2852039166') // { version: 4, bytes: [169, 254, 169, 254] }
 * parseIpAddress('[::ffff:a9fe:a9fe]') // { version: 6, bytes: [0, …, 0xff, 0xff, 169, 254, 169, 254] }
 * parseIpAddress('example.com') // undefined
 * ```
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  if (typeof text !== 'string' || text.length === 0 || text.length > 100) return undefined
  if (text.startsWith('[') || text.includes(':')) {
    const inner = text.startsWith('[') ? (text.endsWith(']') ? text.slice(1, -1) : undefined) : text
    const bytes = inner === undefined ? undefined : parseIpv6(inner)
    return bytes === undefined ? undefined : { version: 6, bytes }
  }
  const bytes = parseIpv4(text)
  return bytes === undefined ? undefined : { version: 4, bytes }
}

const cidr = (text: string): AddressRange => {
  const [address, prefix] = text.split('/') as [string, string]
  const parsed = parseIpAddress(address) as IpAddress
  return { version: parsed.version, bytes: parsed.bytes, prefix: Number(prefix) }
}

const inRange = (bytes: Uint8Array, range: AddressRange): boolean => {
  if (bytes.length !== range.bytes.length) return false
  const full = range.prefix >> 3
  for (let i = 0; i < full; i++) if (bytes[i] !== range.bytes[i]) return false
  const rest = range.prefix & 7
  if (rest === 0) return true
  const mask = (0xff << (8 - rest)) & 0xff
  return ((bytes[full] as number) & mask) === ((range.bytes[full] as number) & mask)
}

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors), most specific first.
const ipv4Table: readonly (readonly [AddressRange, AddressClass])[] = (
  [
    ['255.255.255.255/32', 'broadcast'],
    ['0.0.0.0/8', 'unspecified'],
    ['10.0.0.0/8', 'private'],
    ['100.64.0.0/10', 'shared'],
    ['127.0.0.0/8', 'loopback'],
    ['169.254.0.0/16', 'link_local'],
    ['172.16.0.0/12', 'private'],
    ['192.0.0.0/24', 'reserved'],
    ['192.0.2.0/24', 'documentation'],
    ['192.88.99.0/24', 'reserved'],
    ['192.168.0.0/16', 'private'],
    ['198.18.0.0/15', 'benchmarking'],
    ['198.51.100.0/24', 'documentation'],
    ['203.0.113.0/24', 'documentation'],
    ['224.0.0.0/4', 'multicast'],
    ['240.0.0.0/4', 'reserved'],
  ] as const
).map(([range, kind]) => [cidr(range), kind] as const)

// IANA IPv6 Special-Purpose Address Registry; anything outside 2000::/3 is not global unicast.
const ipv6Table: readonly (readonly [AddressRange, AddressClass])[] = (
  [
    ['::/128', 'unspecified'],
    ['::1/128', 'loopback'],
    ['64:ff9b:1::/48', 'private'],
    ['100::/64', 'reserved'],
    ['2001:2::/48', 'benchmarking'],
    ['2001:db8::/32', 'documentation'],
    ['2001::/23', 'reserved'],
    ['3fff::/20', 'documentation'],
    ['fc00::/7', 'unique_local'],
    ['fe80::/10', 'link_local'],
    ['fec0::/10', 'private'],
    ['ff00::/8', 'multicast'],
  ] as const
).map(([range, kind]) => [cidr(range), kind] as const)

// IPv6 ranges that carry an IPv4 address the packet ends up at: IPv4-mapped (::ffff:0:0/96),
// NAT64's well-known prefix (64:ff9b::/96, RFC 6052) and 6to4 (2002::/16, RFC 3056).
const embedding: readonly (readonly [AddressRange, number])[] = [
  [cidr('::ffff:0:0/96'), 12],
  [cidr('64:ff9b::/96'), 12],
  [cidr('2002::/16'), 2],
]

/**
 * The IPv4 address an IPv6 address carries and is delivered to (IPv4-mapped, NAT64 well-known
 * prefix, 6to4), or `undefined`.
 *
 * @example
 * ```ts
 * embeddedIpv4(parseIpAddress('::ffff:169.254.169.254')!) // { version: 4, bytes: [169, 254, 169, 254] }
 * ```
 */
export function embeddedIpv4(address: IpAddress): IpAddress | undefined {
  if (address.version !== 6) return undefined
  for (const [range, offset] of embedding) {
    if (inRange(address.bytes, range)) return { version: 4, bytes: address.bytes.slice(offset, offset + 4) }
  }
  return undefined
}

const global6 = cidr('2000::/3')

/**
 * Classifies an address after the IANA special-purpose registries. An IPv6 address that carries
 * an IPv4 address (IPv4-mapped, NAT64 `64:ff9b::/96`, 6to4) takes the class of that IPv4 address;
 * other IPv6 addresses outside `2000::/3`, the IPv4-compatible `::/96` form included, are `reserved`.
 *
 * @example
 * ```ts
 * classifyAddress(parseIpAddress('0251.0376.0251.0376')!) // 'link_local'
 * classifyAddress(parseIpAddress('::ffff:7f00:1')!) // 'loopback'
 * classifyAddress(parseIpAddress('93.184.215.14')!) // 'public'
 * ```
 */
export function classifyAddress(address: IpAddress): AddressClass {
  const inner = embeddedIpv4(address)
  if (inner !== undefined) return classifyAddress(inner)
  const table = address.version === 4 ? ipv4Table : ipv6Table
  for (const [range, kind] of table) if (inRange(address.bytes, range)) return kind
  if (address.version === 6 && !inRange(address.bytes, global6)) return 'reserved'
  return 'public'
}

/**
 * Formats an address the way URLs and `net` print it (IPv6 compressed, without brackets).
 *
 * @example
 * ```ts
 * formatIpAddress(parseIpAddress('0x7f.1')!) // '127.0.0.1'
 * ```
 */
export function formatIpAddress(address: IpAddress): string {
  if (address.version === 4) return [...address.bytes].join('.')
  const groups: number[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((address.bytes[i] as number) << 8) | (address.bytes[i + 1] as number))
  let best = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) [best, bestLength] = [i, j - i]
    i = j
  }
  const hex = groups.map((g) => g.toString(16))
  if (best === -1) return hex.join(':')
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLength).join(':')}`
}

const hostPattern = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/

/**
 * Checks {@link AddressPolicyOptions} and builds the policy, or throws `ConfigError` naming every
 * bad entry by path (`allow[2]`). `{}` is the strict policy: public addresses over https only.
 *
 * @example
 * ```ts
 * const policy = defineAddressPolicy({ allow: ['10.20.0.0/16', 'jwks.corp.example'] })
 * defineAddressPolicy({ allow: ['10.0.0.0/33'] }) // throws ConfigError: allow[0]: …
 * ```
 */
export function defineAddressPolicy(options: AddressPolicyOptions | AddressPolicy = {}): AddressPolicy {
  const checked = checkAddressPolicy(options, '')
  if (!checked.ok) throw new ConfigError(checked.issues)
  return checked.policy
}

/**
 * {@link defineAddressPolicy} without throwing: the policy, or the issues with paths under `path`
 * (e.g. `jwks.addressPolicy`), for option checkers that collect every issue.
 *
 * @example
 * ```ts
 * const r = checkAddressPolicy({ allow: ['nope/1'] }, 'addressPolicy')
 * if (!r.ok) r.issues // [{ path: 'addressPolicy.allow[0]', message: '…' }]
 * ```
 */
export function checkAddressPolicy(
  options: unknown,
  path: string,
): { readonly ok: true; readonly policy: AddressPolicy } | { readonly ok: false; readonly issues: readonly ConfigIssue[] } {
  const at = (member: string): string => (path === '' ? member : `${path}.${member}`)
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    return { ok: false, issues: [{ path, message: 'must be an object ({ allow?, developmentLoopback? })' }] }
  }
  if ((options as { _tag?: unknown })._tag === 'AddressPolicy') return { ok: true, policy: options as AddressPolicy }
  const o = options as Record<string, unknown>
  const issues: ConfigIssue[] = []
  for (const key of Object.keys(o)) {
    if (key !== 'allow' && key !== 'developmentLoopback' && key !== 'injectedFetchResolvesSafely') {
      issues.push({ path: at(key), message: 'is not a known option (allow, developmentLoopback, injectedFetchResolvesSafely)' })
    }
  }
  const developmentLoopback = o.developmentLoopback ?? false
  if (typeof developmentLoopback !== 'boolean') issues.push({ path: at('developmentLoopback'), message: 'must be true or false' })
  const injectedFetchResolvesSafely = o.injectedFetchResolvesSafely ?? false
  if (typeof injectedFetchResolvesSafely !== 'boolean') issues.push({ path: at('injectedFetchResolvesSafely'), message: 'must be true or false' })
  const allowRanges: AddressRange[] = []
  const allowHosts: string[] = []
  const allow = o.allow ?? []
  if (!Array.isArray(allow)) issues.push({ path: at('allow'), message: 'must be an array of CIDRs, addresses or host names' })
  else {
    allow.forEach((entry: unknown, i) => {
      const range = typeof entry === 'string' ? allowEntry(entry) : undefined
      if (range === undefined) {
        issues.push({ path: at(`allow[${i}]`), message: 'must be a CIDR (10.0.0.0/8, fd00::/8), an IP address, or a host name (jwks.corp.example, *.corp.example)' })
      } else if (typeof range === 'string') allowHosts.push(range)
      else allowRanges.push(range)
    })
  }
  if (issues.length > 0) return { ok: false, issues }
  return {
    ok: true,
    policy: Object.freeze({
      _tag: 'AddressPolicy',
      allowRanges,
      allowHosts,
      developmentLoopback: developmentLoopback as boolean,
      ...(injectedFetchResolvesSafely === true ? { injectedFetchResolvesSafely: true } : {}),
    }),
  }
}

const allowEntry = (entry: string): AddressRange | string | undefined => {
  const slash = entry.indexOf('/')
  const addressText = slash === -1 ? entry : entry.slice(0, slash)
  const address = parseIpAddress(addressText)
  if (address !== undefined) {
    const max = address.version === 4 ? 32 : 128
    const prefixText = slash === -1 ? String(max) : entry.slice(slash + 1)
    if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > max) return undefined
    return { version: address.version, bytes: address.bytes, prefix: Number(prefixText) }
  }
  const host = entry.toLowerCase().replace(/\.$/, '')
  return slash === -1 && host.length <= 253 && hostPattern.test(host) && !/^[0-9.]+$/.test(host) ? host : undefined
}

const hostAllowed = (policy: AddressPolicy, hostname: string): boolean => {
  const host = hostname.toLowerCase().replace(/\.$/, '')
  return policy.allowHosts.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) : host === pattern))
}

/** The context of one address: the URL host it was found for, and whether the request is plain HTTP. */
export interface AddressContext {
  /** The URL's host name, when the address came from DNS (host-name allow entries match it). */
  readonly hostname?: string | undefined
  /** The request uses plain `http:`. */
  readonly plainHttp?: boolean | undefined
}

/**
 * Decides whether one address may be connected to: public addresses may, loopback ones with
 * `developmentLoopback`, others when an allow entry covers the address (or its embedded IPv4) or
 * the host name it was resolved for. Plain HTTP is allowed only to loopback with `developmentLoopback`.
 *
 * @example
 * ```ts
 * const policy = defineAddressPolicy({ allow: ['10.20.0.0/16'] })
 * decideAddress(policy, parseIpAddress('10.20.1.2')!) // { allowed: true }
 * decideAddress(policy, parseIpAddress('169.254.169.254')!) // { allowed: false, addressClass: 'link_local', reason: '…' }
 * ```
 */
export function decideAddress(policy: AddressPolicy, address: IpAddress, context: AddressContext = {}): AddressDecision {
  const addressClass = classifyAddress(address)
  const shown = `${context.hostname === undefined ? '' : `${context.hostname} resolves to `}${formatIpAddress(address)}`
  if (context.plainHttp === true) {
    if (policy.developmentLoopback && addressClass === 'loopback') return { allowed: true }
    return { allowed: false, addressClass, reason: `plain http is refused (${shown}); only loopback with developmentLoopback` }
  }
  if (addressClass === 'public') return { allowed: true }
  if (addressClass === 'loopback' && policy.developmentLoopback) return { allowed: true }
  if (context.hostname !== undefined && hostAllowed(policy, context.hostname)) return { allowed: true }
  const inner = embeddedIpv4(address)
  if (policy.allowRanges.some((range) => inRange(address.bytes, range) || (inner !== undefined && inRange(inner.bytes, range)))) return { allowed: true }
  return { allowed: false, addressClass, reason: `${shown} is a ${addressClass.replace('_', '-')} address, not allowed by the address policy` }
}

/**
 * The decision for a URL before any DNS: the scheme (`https:`, or `http:` only with
 * `developmentLoopback`), a literal address in the host, and names that always mean loopback
 * (`localhost`, `*.localhost`). `'resolve'` when the host is a name whose addresses must be
 * checked once DNS answers (Node.js does so at connect time; see the HTTP clients).
 *
 * @example
 * ```ts
 * const policy = defineAddressPolicy({})
 * decideUrl(policy, new URL('https://[::ffff:a9fe:a9fe]/keys')) // { allowed: false, addressClass: 'link_local', … }
 * decideUrl(policy, new URL('https://idp.example/keys')) // 'resolve'
 * ```
 */
export function decideUrl(policy: AddressPolicy, url: URL): AddressDecision | 'resolve' {
  const plainHttp = url.protocol === 'http:'
  if (!plainHttp && url.protocol !== 'https:') return { allowed: false, addressClass: undefined, reason: `the scheme ${url.protocol} is refused` }
  if (plainHttp && !policy.developmentLoopback) return { allowed: false, addressClass: undefined, reason: 'plain http is refused; https is required' }
  const literal = parseIpAddress(url.hostname)
  if (literal !== undefined) return decideAddress(policy, literal, { plainHttp })
  const host = url.hostname.toLowerCase().replace(/\.$/, '')
  if (host === 'localhost' || host.endsWith('.localhost')) {
    if (policy.developmentLoopback || (!plainHttp && hostAllowed(policy, host))) return { allowed: true }
    return { allowed: false, addressClass: 'loopback', reason: `${url.hostname} is a loopback name, not allowed by the address policy` }
  }
  return 'resolve'
}

/**
 * {@link decideUrl} for an HTTP client whose DNS answers tokenward cannot check — an injected
 * `fetch`: a host name is allowed only when an `allow` entry names it (`jwks.corp.example`,
 * `*.corp.example`), or when the policy says the injected `fetch` resolves safely
 * ({@link AddressPolicyOptions.injectedFetchResolvesSafely}); otherwise it is refused, because it
 * could resolve to a metadata or internal address. Scheme, literal addresses and loopback names
 * are decided as {@link decideUrl} does.
 *
 * @example
 * ```ts
 * decideUrlUnresolved(defineAddressPolicy({}), new URL('https://idp.example/keys')) // { allowed: false, … }
 * decideUrlUnresolved(defineAddressPolicy({ allow: ['idp.example'] }), new URL('https://idp.example/keys')) // { allowed: true }
 * ```
 */
export function decideUrlUnresolved(policy: AddressPolicy, url: URL): AddressDecision {
  const decision = decideUrl(policy, url)
  if (decision !== 'resolve') return decision
  if (policy.injectedFetchResolvesSafely === true || hostAllowed(policy, url.hostname)) return { allowed: true }
  return {
    allowed: false,
    addressClass: undefined,
    reason: `${url.hostname} is a host name the injected fetch resolves unchecked: allow it by name in the address policy, or set injectedFetchResolvesSafely if that fetch enforces the policy itself`,
  }
}
