/**
 * Redaction of configs and commands before they enter an audit record: PEM blocks become short
 * summaries, members named like secrets and private JWK members are replaced, and anything large
 * or deeply nested is cut, so a hostile or careless input cannot flood the audit log.
 *
 * @module
 */

/**
 * What replaces a redacted member.
 *
 * @example
 * ```ts
 * redactForAudit({ password: 'x' }) // { password: redactedValue }
 * ```
 */
export const redactedValue = '[redacted]'

const secretName = /secret|password|private/i
/** Members of a JWK that hold private key material (RFC 7518 §6). */
const privateJwkMembers = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'])
const pemBlock = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g
const maxDepth = 8
const maxArrayItems = 20
const maxObjectMembers = 50
const maxStringLength = 512

/**
 * A short, stable summary of a PEM text: for each block its label, base64 length and the first
 * and last 8 base64 characters. Blocks whose label mentions `PRIVATE` are replaced entirely.
 *
 * @example
 * ```ts
 * summarizePem('-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU…Q0Fw==\n-----END CERTIFICATE-----\n')
 * // 'CERTIFICATE(1187 base64 chars, MIIBszCC…8xQ0Fw==)'
 * ```
 */
export function summarizePem(pem: string): string {
  const parts: string[] = []
  for (const m of pem.matchAll(pemBlock)) {
    const label = m[1] ?? ''
    if (/PRIVATE/.test(label)) {
      parts.push(`${label}(${redactedValue})`)
      continue
    }
    const body = (m[2] ?? '').replace(/[^A-Za-z0-9+/=]/g, '')
    parts.push(`${label}(${body.length} base64 chars, ${body.slice(0, 8)}…${body.slice(-8)})`)
  }
  if (parts.length === 0) return `PEM(unparsable, ${pem.length} chars)`
  return parts.join(' + ')
}

/**
 * A JSON-compatible copy of `value` that is safe to store in an audit record: PEM text is
 * summarized ({@link summarizePem}); members whose name matches `/secret|password|private/i`, and
 * private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`, `k`) of objects with a `kty`, are
 * replaced by {@link redactedValue}; long strings, long arrays, wide objects and deep nesting are
 * cut with a marker. `undefined` members are dropped. Never throws on JSON-like input.
 *
 * @example
 * ```ts
 * redactForAudit({ name: 'Okta1', clientSecret: 'hunter2', trustedCertificates: [pem] })
 * // { name: 'Okta1', clientSecret: '[redacted]', trustedCertificates: ['CERTIFICATE(1187 base64 chars, MIIBszCC…8xQ0Fw==)'] }
 * ```
 */
export function redactForAudit(value: unknown): unknown {
  return redact(value, 0)
}

function redact(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
      if (value.includes('-----BEGIN ')) return summarizePem(value)
      return value.length > maxStringLength ? `${value.slice(0, 64)}…(${value.length} chars)` : value
    case 'number':
      return Number.isFinite(value) ? value : String(value)
    case 'boolean':
      return value
    case 'undefined':
      return null
    case 'object':
      break
    default:
      return `[${typeof value}]`
  }
  if (value === null) return null
  if (depth >= maxDepth) return '[too deep]'
  if (Array.isArray(value)) {
    const items = value.slice(0, maxArrayItems).map((item: unknown) => redact(item, depth + 1))
    if (value.length > maxArrayItems) items.push(`…(${value.length - maxArrayItems} more)`)
    return items
  }
  const record = value as Record<string, unknown>
  const isJwk = typeof record.kty === 'string'
  const out: Record<string, unknown> = {}
  const keys = Object.keys(record)
  for (const key of keys.slice(0, maxObjectMembers)) {
    const member = record[key]
    if (member === undefined) continue
    out[key] = secretName.test(key) || (isJwk && privateJwkMembers.has(key)) ? redactedValue : redact(member, depth + 1)
  }
  if (keys.length > maxObjectMembers) out['…'] = `${keys.length - maxObjectMembers} more members`
  return out
}
