/**
 * The optional `If-Match` precondition on writes. The admin API's entity tag is the
 * organization's revision as a strong tag (`ETag: "7"`), sent with every answer that reads or
 * changes the organization. Pure.
 *
 * @module
 */

/**
 * A parsed `If-Match` header: absent, `*` (any current revision), or the listed strong tags.
 * Weak tags (`W/"7"`) are kept but never match, as RFC 9110 §13.1.1 requires strong comparison.
 *
 * @example
 * ```ts
 * const p: IfMatch = { kind: 'tags', tags: ['"7"'] }
 * ```
 */
export type IfMatch = { readonly kind: 'absent' } | { readonly kind: 'any' } | { readonly kind: 'tags'; readonly tags: readonly string[] }

const entityTag = /^(?:W\/)?"[\x21\x23-\x7e\x80-\xff]*"$/

/**
 * Parses an `If-Match` header value (`null` when absent), or returns `undefined` when it is not
 * `*` or a comma-separated list of entity tags.
 *
 * @example
 * ```ts
 * parseIfMatch('"7"') // { kind: 'tags', tags: ['"7"'] }
 * parseIfMatch('*') // { kind: 'any' }
 * parseIfMatch('7') // undefined (not quoted)
 * ```
 */
export function parseIfMatch(value: string | null): IfMatch | undefined {
  if (value === null) return { kind: 'absent' }
  const trimmed = value.trim()
  if (trimmed === '*') return { kind: 'any' }
  const tags = trimmed.split(',').map((t) => t.trim())
  if (tags.length === 0 || !tags.every((t) => entityTag.test(t))) return undefined
  return { kind: 'tags', tags }
}

/**
 * True when the precondition holds for an organization at `revision`.
 *
 * @example
 * ```ts
 * ifMatchAllows({ kind: 'tags', tags: ['"7"'] }, 7) // true
 * ifMatchAllows({ kind: 'tags', tags: ['W/"7"'] }, 7) // false (weak tags never match)
 * ```
 */
export function ifMatchAllows(ifMatch: IfMatch, revision: number): boolean {
  if (ifMatch.kind !== 'tags') return true
  return ifMatch.tags.includes(revisionTag(revision))
}

/**
 * The entity tag of an organization revision.
 *
 * @example
 * ```ts
 * revisionTag(7) // '"7"'
 * ```
 */
export function revisionTag(revision: number): string {
  return `"${revision}"`
}
