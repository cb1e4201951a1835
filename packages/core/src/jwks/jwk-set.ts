/**
 * Decoding a JWK Set document (RFC 7517 §5) from the raw bytes of an HTTP response.
 *
 * A plain hand-written decoder with no dependencies, so decoding the first JWKS body loads nothing
 * more (the Schema-based decoder it replaced loaded effect's Schema module, ~100 ms).
 *
 * @module
 */
import type { Jwk } from '../jose/jwk.ts'
import { err, ok, type Result } from '../result.ts'

/** A key of the set that was dropped, and why. */
export interface JwkSetProblem {
  /** Position of the key in the document's `keys` array. */
  readonly index: number
  /** The key's `kid`, when it had a string one. */
  readonly kid?: string
  /** What was wrong, e.g. `kty: expected a string`. */
  readonly message: string
}

/** A decoded JWK Set: the keys with a sound shape, and the keys that were dropped. */
export interface DecodedJwkSet {
  readonly keys: readonly Jwk[]
  readonly problems: readonly JwkSetProblem[]
}

/** A parsed JSON object (not an array, not null). */
type JsonObject = Readonly<Record<string, unknown>>

// The members tokenward reads must have their RFC 7517/7518 JSON types; every other member is
// kept as is, so the key reaches key selection exactly as published. The order below is the order
// in which issues are reported and in which these members come first in a decoded key.
const stringMembers = ['kid', 'use', 'alg', 'crv', 'n', 'e', 'x', 'y'] as const
const stringArrayMembers = ['key_ops', 'x5c'] as const
const checkedMembers: ReadonlySet<string> = new Set(['kty', ...stringMembers, ...stringArrayMembers])
const checkedMemberOrder: readonly string[] = [...checkedMembers]

const utf8 = new TextDecoder('utf-8', { fatal: true })

const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** An own member only: a `__proto__` member or a polluted prototype never stands in for one. */
const member = (object: JsonObject, name: string): { readonly value: unknown } | undefined =>
  Object.hasOwn(object, name) ? { value: object[name] } : undefined

const ktyIssues = (key: JsonObject): readonly string[] => {
  const kty = member(key, 'kty')
  if (kty === undefined) return ['kty: missing']
  return typeof kty.value === 'string' ? [] : ['kty: expected a string']
}

const stringMemberIssues = (key: JsonObject, name: string): readonly string[] => {
  const found = member(key, name)
  return found === undefined || typeof found.value === 'string' ? [] : [`${name}: expected a string`]
}

const stringArrayMemberIssues = (key: JsonObject, name: string): readonly string[] => {
  const found = member(key, name)
  if (found === undefined) return []
  if (!Array.isArray(found.value)) return [`${name}: expected an array of strings`]
  const elements: readonly unknown[] = found.value
  return elements.flatMap((element, i) => (typeof element === 'string' ? [] : [`${name}[${i}]: expected a string`]))
}

/** Every shape issue of one key object, in member order; empty when the key is sound. */
const keyIssues = (key: JsonObject): readonly string[] => [
  ...ktyIssues(key),
  ...stringMembers.flatMap((name) => stringMemberIssues(key, name)),
  ...stringArrayMembers.flatMap((name) => stringArrayMemberIssues(key, name)),
]

/**
 * A fresh copy of a sound key: the checked members first (kty, then the order above), then the
 * others in document order. `Object.fromEntries` defines own data properties, so a `__proto__`
 * member stays a plain member and never becomes the copy's prototype. String arrays are copied;
 * other member values are shared with the parsed document, which nothing else holds.
 */
const copyKey = (key: JsonObject): Jwk => {
  const checked = checkedMemberOrder
    .filter((name) => Object.hasOwn(key, name))
    .map((name): [string, unknown] => {
      const value = key[name]
      return [name, Array.isArray(value) ? [...value] : value]
    })
  const others = Object.entries(key).filter(([name]) => !checkedMembers.has(name))
  // keyIssues(key) is empty: kty is a string and every checked member has its JSON type.
  return Object.fromEntries([...checked, ...others]) as Jwk
}

/** The key's own `kid` when it is a string, to name a dropped key. */
const kidOf = (candidate: unknown): string | undefined => {
  if (!isJsonObject(candidate)) return undefined
  const kid = member(candidate, 'kid')?.value
  return typeof kid === 'string' ? kid : undefined
}

/** One entry of `keys`: a fresh sound key, or every issue found, joined by `; `. */
const decodeKey = (candidate: unknown): Result<Jwk, string> => {
  if (!isJsonObject(candidate)) return err('expected a JSON object')
  const issues = keyIssues(candidate)
  return issues.length === 0 ? ok(copyKey(candidate)) : err(issues.join('; '))
}

const problemOf = (candidate: unknown, index: number, message: string): JwkSetProblem => {
  const kid = kidOf(candidate)
  return kid === undefined ? { index, message } : { index, kid, message }
}

/** The document's `keys` array, or why the document is not a JWK Set. */
const keysOf = (document: unknown): Result<readonly unknown[], string> => {
  if (!isJsonObject(document)) return err('expected a JSON object')
  const keys = member(document, 'keys')
  if (keys === undefined) return err('keys: missing')
  return Array.isArray(keys.value) ? ok(keys.value) : err('keys: expected an array')
}

/**
 * Decodes a JWK Set from response bytes: strict UTF-8 (a leading byte-order mark is tolerated,
 * as RFC 8259 §8.1 allows), JSON, an object with a `keys` array.
 *
 * The set is rejected only when its shape is wrong (not UTF-8, not JSON, not an object, `keys`
 * missing or not an array). A single malformed key does not poison the set: a key that is not an
 * object, lacks a string `kty`, or has a member tokenward reads (`kid`, `use`, `alg`, `crv`, `n`,
 * `e`, `x`, `y`, `key_ops`, `x5c`) of the wrong JSON type is dropped and reported in `problems`,
 * with every issue of that key joined by `; `. Unknown members are kept. The keys returned are
 * fresh plain objects (safe to freeze). Whether a key can verify anything is not decided here.
 *
 * @example
 * ```ts
 * const body = new TextEncoder().encode('{"keys":[{"kty":"EC","kid":"a","crv":"P-256","x":"…","y":"…"},{"kty":1}]}')
 * const result = decodeJwkSet(body)
 * if (result.ok) {
 *   result.value.keys.length // 1
 *   result.value.problems    // [{ index: 1, message: 'kty: expected a string' }]
 * } else {
 *   console.error(`not a JWK Set: ${result.error}`)
 * }
 * ```
 */
export function decodeJwkSet(body: Uint8Array): Result<DecodedJwkSet, string> {
  let text: string
  try {
    text = utf8.decode(body)
  } catch {
    return err('body is not valid UTF-8')
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return err(`body is not JSON (${cause instanceof Error ? cause.message : String(cause)})`)
  }
  const candidates = keysOf(json)
  if (!candidates.ok) return candidates

  const keys: Jwk[] = []
  const problems: JwkSetProblem[] = []
  candidates.value.forEach((candidate, index) => {
    const decoded = decodeKey(candidate)
    if (decoded.ok) keys.push(decoded.value)
    else problems.push(problemOf(candidate, index, decoded.error))
  })
  return ok({ keys, problems })
}
