import * as EffectResult from 'effect/Result'
import * as Schema from 'effect/Schema'
import * as SchemaIssue from 'effect/SchemaIssue'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Jwk } from '../jose/jwk.ts'
import { err, ok, type Result } from '../result.ts'
import { decodeJwkSet, type DecodedJwkSet, type JwkSetProblem } from './jwk-set.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const ec = { kty: 'EC', kid: 'a', crv: 'P-256', x: 'xx', y: 'yy' }

describe('decodeJwkSet: the set is rejected only when its shape is wrong', () => {
  it.each([
    ['not UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), 'body is not valid UTF-8'],
    ['truncated UTF-8 sequence', new Uint8Array([0x7b, 0x22, 0xe2, 0x82]), 'body is not valid UTF-8'],
    ['empty body', bytes(''), 'body is not JSON ('],
    ['HTML', bytes('<html></html>'), 'body is not JSON ('],
    ['JSON null', bytes('null'), 'expected a JSON object'],
    ['JSON array', bytes('[{"kty":"EC"}]'), 'expected a JSON object'],
    ['JSON string', bytes('"keys"'), 'expected a JSON object'],
    ['missing keys', bytes('{"jwks":[]}'), 'keys: missing'],
    ['keys is an object', bytes('{"keys":{"kty":"EC"}}'), 'keys: expected an array'],
    ['keys is null', bytes('{"keys":null}'), 'keys: expected an array'],
    ['keys is a string', bytes('{"keys":"[]"}'), 'keys: expected an array'],
  ])('%s', (_name, body, message) => {
    const result = decodeJwkSet(body)
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.startsWith(message)).toBe(true)
  })
})

describe('decodeJwkSet: accepted sets', () => {
  const decoded = (text: string | Uint8Array): DecodedJwkSet => {
    const result = decodeJwkSet(typeof text === 'string' ? bytes(text) : text)
    if (!result.ok) throw new Error(result.error)
    return result.value
  }

  it('keeps every member of a well-formed key, including unknown ones', () => {
    const key = { ...ec, use: 'sig', alg: 'ES256', key_ops: ['verify'], x5c: ['MIIB'], x5t: 'thumb', custom: { nested: [1, 2] } }
    expect(decoded(JSON.stringify({ keys: [key] }))).toEqual({ keys: [key], problems: [] })
  })

  it('ignores members of the set other than keys', () => {
    expect(decoded(JSON.stringify({ keys: [ec], meta: 'x' })).keys).toEqual([ec])
  })

  it('accepts an empty key list (whether that is usable is the caller’s call)', () => {
    expect(decoded('{"keys":[]}')).toEqual({ keys: [], problems: [] })
  })

  it('tolerates a UTF-8 byte-order mark and surrounding whitespace', () => {
    expect(decoded(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes(` \n${JSON.stringify({ keys: [ec] })}\n`)])).keys).toEqual([ec])
  })

  it('keeps unsupported key types: usability is decided elsewhere', () => {
    expect(decoded('{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}').keys).toEqual([{ kty: 'oct', k: 'c2VjcmV0' }])
  })

  it('returns fresh objects, not the parsed ones (safe to freeze)', () => {
    const first = decoded(JSON.stringify({ keys: [ec] })).keys[0]
    expect(first).toEqual(ec)
    expect(Object.isFrozen(first)).toBe(false)
  })

  it.each([
    ['a number', 1, 'expected a JSON object'],
    ['null', null, 'expected a JSON object'],
    ['an array', [ec], 'expected a JSON object'],
    ['no kty', { kid: 'z', crv: 'P-256' }, 'kty: missing'],
    ['numeric kty', { kty: 1 }, 'kty: expected a string'],
    ['null kty', { kty: null }, 'kty: expected a string'],
    ['numeric kid', { kty: 'EC', kid: 7 }, 'kid: expected a string'],
    ['object alg', { kty: 'RSA', alg: { name: 'RS256' } }, 'alg: expected a string'],
    ['numeric n', { kty: 'RSA', n: 12345, e: 'AQAB' }, 'n: expected a string'],
    ['key_ops not an array', { kty: 'EC', key_ops: 'verify' }, 'key_ops: expected an array of strings'],
    ['key_ops with a number', { kty: 'EC', key_ops: ['verify', 2] }, 'key_ops[1]: expected a string'],
    ['x5c with a number', { kty: 'RSA', x5c: [3] }, 'x5c[0]: expected a string'],
    ['two bad members', { kty: 'EC', kid: 1, use: 2 }, 'kid: expected a string; use: expected a string'],
  ])('drops a key that is %s, keeps the others, and says why', (_name, bad, message) => {
    const result = decoded(JSON.stringify({ keys: [ec, bad, { ...ec, kid: 'b' }] }))
    expect(result.keys.map((k) => k.kid)).toEqual(['a', 'b'])
    expect(result.problems).toHaveLength(1)
    expect(result.problems[0]?.index).toBe(1)
    expect(result.problems[0]?.message).toBe(message)
  })

  it('names a dropped key by its kid when it has a string one', () => {
    expect(decoded('{"keys":[{"kid":"k9","kty":3}]}').problems).toEqual([{ index: 0, kid: 'k9', message: 'kty: expected a string' }])
  })

  it('keeps a __proto__ member as data without touching prototypes', () => {
    const result = decoded('{"keys":[{"kty":"EC","__proto__":{"polluted":true}}]}')
    expect(result.keys).toHaveLength(1)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('copies a key with a __proto__ member into a plain object that owns that member', () => {
    const [key] = decoded('{"keys":[{"kty":"EC","__proto__":{"polluted":true},"kid":"p"}]}').keys
    expect(key).toBeDefined()
    if (key === undefined) return
    expect(Object.getPrototypeOf(key)).toBe(Object.prototype)
    expect(Object.keys(key)).toEqual(['kty', 'kid', '__proto__'])
    expect(Object.getOwnPropertyDescriptor(key, '__proto__')?.value).toEqual({ polluted: true })
    expect(key.polluted).toBeUndefined()
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('reads only own members: a kid inside a __proto__ member does not name a dropped key', () => {
    expect(decoded('{"keys":[{"__proto__":{"kid":"evil","kty":"EC"},"kty":1}]}').problems).toEqual([
      { index: 0, message: 'kty: expected a string' },
    ])
    expect(decoded('{"keys":[{"__proto__":{"kty":"EC"}}]}').problems).toEqual([{ index: 0, message: 'kty: missing' }])
  })

  it('treats a top-level __proto__ member as an ordinary member of the set', () => {
    expect(decodeJwkSet(bytes(`{"__proto__":{"keys":[${JSON.stringify(ec)}]}}`))).toEqual({ ok: false, error: 'keys: missing' })
    expect(decodeJwkSet(bytes('{"__proto__":{"keys":[]}}'))).toEqual({ ok: false, error: 'keys: missing' })
    expect(decoded(`{"__proto__":{"keys":"nope"},"keys":[${JSON.stringify(ec)}]}`)).toEqual({ keys: [ec], problems: [] })
    expect(({} as Record<string, unknown>).keys).toBeUndefined()
  })

  it('orders a decoded key like before: the members it checks first, then the others as published', () => {
    const [key] = decoded('{"keys":[{"x":"1","zz":1,"kty":"EC","kid":"k","1":"one"}]}').keys
    expect(Object.keys(key ?? {})).toEqual(['1', 'kty', 'kid', 'x', 'zz'])
  })

  it('reports every issue of a key, in member order, element by element', () => {
    expect(decoded('{"keys":[{"key_ops":[1,"a",2],"x5c":"q","use":3}]}').problems).toEqual([
      {
        index: 0,
        message:
          'kty: missing; use: expected a string; key_ops[0]: expected a string; key_ops[2]: expected a string; x5c: expected an array of strings',
      },
    ])
  })
})

// ---------------------------------------------------------------------------------------------
// Differential property: the hand-written decoder against the Schema-based one it replaced.
// The reference below is the previous implementation of decodeJwkSet, kept verbatim (only the
// `describe` helper is renamed, to not shadow vitest's).

const ReferenceJwkSetShape = Schema.Struct({
  keys: Schema.Array(Schema.Unknown)
    .annotate({ message: 'expected an array' })
    .annotateKey({ messageMissingKey: 'missing' }),
}).annotate({ message: 'expected a JSON object' })

const referenceOptionalString = Schema.optionalKey(Schema.String.annotate({ message: 'expected a string' }))
const referenceOptionalStrings = Schema.optionalKey(
  Schema.Array(Schema.String.annotate({ message: 'expected a string' })).annotate({
    message: 'expected an array of strings',
  }),
)

const ReferenceJwkShape = Schema.StructWithRest(
  Schema.Struct({
    kty: Schema.String.annotate({ message: 'expected a string' }).annotateKey({ messageMissingKey: 'missing' }),
    kid: referenceOptionalString,
    use: referenceOptionalString,
    alg: referenceOptionalString,
    crv: referenceOptionalString,
    n: referenceOptionalString,
    e: referenceOptionalString,
    x: referenceOptionalString,
    y: referenceOptionalString,
    key_ops: referenceOptionalStrings,
    x5c: referenceOptionalStrings,
  }),
  [Schema.Record(Schema.String, Schema.Unknown)],
).annotate({ message: 'expected a JSON object' })

const referenceDecodeShape = Schema.decodeUnknownResult(ReferenceJwkSetShape)
const referenceDecodeKey = Schema.decodeUnknownResult(ReferenceJwkShape, { errors: 'all' })
const referenceFormatIssue = SchemaIssue.makeFormatterStandardSchemaV1()
const referenceUtf8 = new TextDecoder('utf-8', { fatal: true })

const referenceRenderPath = (path: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined): string =>
  (path ?? [])
    .map((segment) => (typeof segment === 'object' ? segment.key : segment))
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('')

const referenceDescribe = (issue: SchemaIssue.Issue): string =>
  referenceFormatIssue(issue)
    .issues.map(({ message, path }) => {
      const where = referenceRenderPath(path)
      return where === '' ? message : `${where}: ${message}`
    })
    .join('; ')

function referenceDecodeJwkSet(body: Uint8Array): Result<DecodedJwkSet, string> {
  let text: string
  try {
    text = referenceUtf8.decode(body)
  } catch {
    return err('body is not valid UTF-8')
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    return err(`body is not JSON (${cause instanceof Error ? cause.message : String(cause)})`)
  }
  const shape = referenceDecodeShape(json)
  if (EffectResult.isFailure(shape)) return err(referenceDescribe(shape.failure.issue))

  const keys: Jwk[] = []
  const problems: JwkSetProblem[] = []
  shape.success.keys.forEach((candidate, index) => {
    const decoded = referenceDecodeKey(candidate)
    if (EffectResult.isSuccess(decoded)) {
      keys.push(decoded.success)
      return
    }
    const kid = typeof candidate === 'object' && candidate !== null ? (candidate as { kid?: unknown }).kid : undefined
    const message = referenceDescribe(decoded.failure.issue)
    problems.push(typeof kid === 'string' ? { index, kid, message } : { index, message })
  })
  return ok({ keys, problems })
}

/** A JSON object as a list of members, so a document can repeat a name or carry `__proto__`. */
class JsonMembers {
  constructor(readonly members: ReadonlyArray<readonly [string, JsonTree]>) {}
}
type JsonTree = null | boolean | number | string | readonly JsonTree[] | JsonMembers

const render = (tree: JsonTree): string =>
  tree instanceof JsonMembers
    ? `{${tree.members.map(([name, value]) => `${JSON.stringify(name)}:${render(value)}`).join(',')}}`
    : Array.isArray(tree)
      ? `[${tree.map(render).join(',')}]`
      : JSON.stringify(tree)

const checkedNames = ['kty', 'kid', 'use', 'alg', 'crv', 'n', 'e', 'x', 'y', 'key_ops', 'x5c'] as const
const memberName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...checkedNames) },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'keys', '0', '7', '', 'x5t', 'k', 'custom') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
)
const someString = fc.oneof(fc.constantFrom('EC', 'RSA', 'OKP', 'oct', 'sig', 'ES256', 'P-256', 'AQAB', 'verify', ''), fc.string({ maxLength: 8 }))
const primitive: fc.Arbitrary<JsonTree> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  someString,
)
const junk: fc.Arbitrary<JsonTree> = fc.letrec<{ tree: JsonTree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    primitive,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.array(fc.tuple(memberName, tie('tree')), { maxLength: 3 }).map((members) => new JsonMembers(members)),
  ),
})).tree
const memberValue: fc.Arbitrary<JsonTree> = fc.oneof(
  { weight: 4, arbitrary: someString },
  { weight: 2, arbitrary: fc.array(someString, { maxLength: 3 }) },
  { weight: 2, arbitrary: fc.array(fc.oneof(someString, primitive), { maxLength: 4 }) },
  { weight: 2, arbitrary: junk },
)
const wellFormedKey: fc.Arbitrary<JsonTree> = fc
  .tuple(
    someString,
    fc.array(
      fc.oneof(
        fc.tuple(fc.constantFrom(...checkedNames.slice(1, 9)), someString),
        fc.tuple(fc.constantFrom('key_ops', 'x5c'), fc.array(someString, { maxLength: 3 })),
        fc.tuple(fc.constantFrom('x5t', 'custom', 'k', '__proto__', '0'), junk),
      ),
      { maxLength: 6 },
    ),
  )
  .map(([kty, members]) => new JsonMembers([['kty', kty], ...members]))
const anyKey: fc.Arbitrary<JsonTree> = fc
  .tuple(
    fc.oneof({ weight: 5, arbitrary: someString }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: junk }),
    fc.array(fc.tuple(memberName, memberValue), { maxLength: 6 }),
    fc.boolean(),
  )
  .map(([kty, members, ktyFirst]) => {
    const ktyMember: ReadonlyArray<readonly [string, JsonTree]> = kty === undefined ? [] : [['kty', kty]]
    return new JsonMembers(ktyFirst ? [...ktyMember, ...members] : [...members, ...ktyMember])
  })
const keysValue: fc.Arbitrary<JsonTree> = fc.oneof(
  { weight: 8, arbitrary: fc.array(fc.oneof({ weight: 3, arbitrary: wellFormedKey }, { weight: 4, arbitrary: anyKey }, { weight: 1, arbitrary: junk }), { maxLength: 6 }) },
  { weight: 1, arbitrary: junk },
)
const document: fc.Arbitrary<JsonTree> = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        fc.array(fc.tuple(memberName, junk), { maxLength: 2 }),
        fc.option(keysValue, { nil: undefined, freq: 8 }),
        fc.array(fc.tuple(memberName, junk), { maxLength: 2 }),
      )
      .map(([before, keys, after]) => new JsonMembers([...before, ...(keys === undefined ? [] : [['keys', keys] as const]), ...after])),
  },
  { weight: 1, arbitrary: junk },
)
/** Damage to the encoded bytes, now and then: cut, a stray byte inserted, or a byte replaced. */
const damage = fc.oneof(
  { weight: 9, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('cut', 'insert', 'replace'), fc.nat(), fc.integer({ min: 0, max: 255 })) },
)
/** No BOM, the one BOM RFC 8259 tolerates, or two (not JSON). */
const bom = fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fc.constant('\ufeff') }, { weight: 1, arbitrary: fc.constant('\ufeff\ufeff') })
const body: fc.Arbitrary<Uint8Array> = fc
  .tuple(document, bom, fc.constantFrom('', ' ', '\n\t'), damage)
  .map(([tree, bom, space, harm]) => {
    const encoded = new TextEncoder().encode(`${bom}${space}${render(tree)}${space}`)
    if (harm === null) return encoded
    const [kind, at, byte] = harm
    const i = at % (encoded.length + 1)
    if (kind === 'cut') return encoded.slice(0, i)
    if (kind === 'insert') return new Uint8Array([...encoded.slice(0, i), byte, ...encoded.slice(i)])
    const copy = encoded.slice()
    if (i < copy.length) copy[i] = byte
    return copy
  })

/**
 * An exact picture of a value: for objects the prototype, every own key in order and each
 * property's flags; primitives with their type (and -0 apart from 0). Compared with toEqual, it
 * sees member order and prototypes, and it sidesteps toStrictEqual's `a.constructor ===
 * b.constructor` type check, which fails two equal parses of `{"constructor":[]}`.
 */
type Snapshot = string | { readonly proto: string; readonly members: ReadonlyArray<readonly [string, string, Snapshot]> }
const snapshot = (value: unknown): Snapshot => {
  if (typeof value !== 'object' || value === null) return `${typeof value}:${Object.is(value, -0) ? '-0' : String(value)}`
  const proto = Object.getPrototypeOf(value)
  const protoName = proto === Object.prototype ? 'Object' : proto === Array.prototype ? 'Array' : proto === null ? 'null' : 'other'
  const members = Reflect.ownKeys(value).map((key): readonly [string, string, Snapshot] => {
    const descriptor = Object.getOwnPropertyDescriptor(value, key)
    const flags = `${descriptor?.enumerable},${descriptor?.writable},${descriptor?.configurable},${descriptor?.get === undefined}`
    return [String(key), flags, snapshot(descriptor?.value)]
  })
  return { proto: protoName, members }
}

describe('decodeJwkSet: same results as the Schema-based decoder it replaced', () => {
  it('agrees on random JWK-Set-like documents (keys, problems, messages, errors, member order)', () => {
    fc.assert(
      fc.property(body, (bytes) => {
        expect(snapshot(decodeJwkSet(bytes))).toEqual(snapshot(referenceDecodeJwkSet(bytes)))
      }),
      { numRuns: 5000 },
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('the snapshot sees what deep equality can miss', () => {
    const plain = JSON.parse('{"a":1,"__proto__":2}')
    expect(snapshot(plain)).not.toEqual(snapshot(JSON.parse('{"__proto__":2,"a":1}')))
    expect(snapshot(plain)).not.toEqual(snapshot(Object.assign(Object.create(null), plain)))
    expect(snapshot(-0)).not.toEqual(snapshot(0))
    expect(snapshot(JSON.parse('{"constructor":[]}'))).toEqual(snapshot(JSON.parse('{"constructor":[]}')))
  })
})
