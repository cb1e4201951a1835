/**
 * The raw path of a request URL, read the way a router reads it: exactly as sent, without
 * resolving dot segments or decoding. The organization resolver and the API resource table both
 * segment it with these rules, so neither can be routed one way and checked another.
 *
 * @module
 */

/**
 * The path of a URL exactly as sent: after the scheme and authority of an absolute URL (or the
 * whole of a path-only URL), up to `?` or `#`. No dot-segment resolution and no decoding, unlike
 * `new URL(...)`, which would turn `/orgs/a/%2e%2e/b` into `/orgs/b`. `undefined` when the URL
 * has no path that starts with `/`.
 */
export function rawPathOf(url: string): string | undefined {
  let rest: string
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\\]*/i.exec(url)
  if (origin !== null) rest = url.slice(origin[0].length)
  else if (url.startsWith('/')) rest = url
  else return undefined
  const end = rest.search(/[?#]/)
  const path = end === -1 ? rest : rest.slice(0, end)
  if (path === '') return '/'
  return path.startsWith('/') ? path : undefined
}

/** A dot segment (literal or percent-encoded, any case), or a segment with a backslash (`\\`, `%5c`) or an encoded slash (`%2f`). */
export function isConfusingSegment(segment: string): boolean {
  if (segment.includes('\\') || /%5c|%2f/i.test(segment)) return true
  const dots = segment.replace(/%2e/gi, '.')
  return dots === '.' || dots === '..'
}
