/**
 * Decoding a JWK Set document (RFC 7517 §5) from the raw bytes of an HTTP response.
 *
 * @module
 */
import * as EffectResult from 'effect/Result'
import * as Schema from 'effect/Schema'
import * as SchemaIssue from 'effect/SchemaIssue'
import type { Jwk } from '../platform/types.ts'
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

const JwkSetShape = Schema.Struct({
  keys: Schema.Array(Schema.Unknown)
    .annotate({ message: 'expected an array' })
    .annotateKey({ messageMissingKey: 'missing' }),
}).annotate({ message: 'expected a JSON object' })

const optionalString = Schema.optionalKey(Schema.String.annotate({ message: 'expected a string' }))
const optionalStrings = Schema.optionalKey(
  Schema.Array(Schema.String.annotate({ message: 'expected a string' })).annotate({
    message: 'expected an array of strings',
  }),
)

// The members tokenward reads must have their RFC 7517/7518 JSON types; every other member is
// kept as is (the rest record), so the key reaches key selection exactly as published.
const JwkShape = Schema.StructWithRest(
  Schema.Struct({
    kty: Schema.String.annotate({ message: 'expected a string' }).annotateKey({ messageMissingKey: 'missing' }),
    kid: optionalString,
    use: optionalString,
    alg: optionalString,
    crv: optionalString,
    n: optionalString,
    e: optionalString,
    x: optionalString,
    y: optionalString,
    key_ops: optionalStrings,
    x5c: optionalStrings,
  }),
  [Schema.Record(Schema.String, Schema.Unknown)],
).annotate({ message: 'expected a JSON object' })

const decodeShape = Schema.decodeUnknownResult(JwkSetShape)
const decodeKey = Schema.decodeUnknownResult(JwkShape, { errors: 'all' })
const formatIssue = SchemaIssue.makeFormatterStandardSchemaV1()
const utf8 = new TextDecoder('utf-8', { fatal: true })

const renderPath = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined): string =>
  (path ?? [])
    .map((segment) => (typeof segment === 'object' ? segment.key : segment))
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('')

const describe = (issue: SchemaIssue.Issue): string =>
  formatIssue(issue)
    .issues.map(({ message, path }) => {
      const where = renderPath(path)
      return where === '' ? message : `${where}: ${message}`
    })
    .join('; ')

/**
 * Decodes a JWK Set from response bytes: strict UTF-8 (a leading byte-order mark is tolerated,
 * as RFC 8259 §8.1 allows), JSON, an object with a `keys` array.
 *
 * The set is rejected only when its shape is wrong (not UTF-8, not JSON, not an object, `keys`
 * missing or not an array). A single malformed key does not poison the set: a key that is not an
 * object, lacks a string `kty`, or has a member tokenward reads (`kid`, `use`, `alg`, `crv`, `n`,
 * `e`, `x`, `y`, `key_ops`, `x5c`) of the wrong JSON type is dropped and reported in `problems`.
 * Unknown members are kept. Whether a key can verify anything is not decided here.
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
  const shape = decodeShape(json)
  if (EffectResult.isFailure(shape)) return err(describe(shape.failure.issue))

  const keys: Jwk[] = []
  const problems: JwkSetProblem[] = []
  shape.success.keys.forEach((candidate, index) => {
    const decoded = decodeKey(candidate)
    if (EffectResult.isSuccess(decoded)) {
      keys.push(decoded.success)
      return
    }
    const kid = typeof candidate === 'object' && candidate !== null ? (candidate as { kid?: unknown }).kid : undefined
    const message = describe(decoded.failure.issue)
    problems.push(typeof kid === 'string' ? { index, kid, message } : { index, message })
  })
  return ok({ keys, problems })
}
