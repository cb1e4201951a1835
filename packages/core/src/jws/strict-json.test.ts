import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseStrictJsonObject } from './strict-json.ts'

const utf8 = (text: string) => new TextEncoder().encode(text)
const parse = (text: string) => parseStrictJsonObject(utf8(text))

const reasons = [
  'is not valid UTF-8',
  'starts with a byte order mark',
  'nests deeper than 64 levels',
  'is not valid JSON',
  'is not a JSON object',
  'has a duplicate member name',
] as const
type Reason = (typeof reasons)[number]

const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth - 1)}{}${'}'.repeat(depth - 1)}`
const nestedArrays = (depth: number) => `{"a":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`

describe('parseStrictJsonObject', () => {
  it.each([
    ['{}', {}],
    ['{"a":1}', { a: 1 }],
    [' \t\r\n{ "a" : 1 }\n', { a: 1 }],
    ['{"a":{"a":1}}', { a: { a: 1 } }],
    ['{"a":[{"b":1},{"b":2}]}', { a: [{ b: 1 }, { b: 2 }] }],
    ['{"a":"\\"b\\":1,\\"a\\":2"}', { a: '"b":1,"a":2' }],
    ['{"a\\\\":1,"a":2}', { 'a\\': 1, a: 2 }],
    ['{"a\\"":1,"a":2}', { 'a"': 1, a: 2 }],
    ['{"a":"x:y","b":"{[","c":"\\\\"}', { a: 'x:y', b: '{[', c: '\\' }],
    ['{"1":1,"01":2,"1.0":3}', { '1': 1, '01': 2, '1.0': 3 }],
    ['{"a":1,"A":2}', { a: 1, A: 2 }],
    ['{"é":1,"e\\u0301":2}', { é: 1, 'e\u0301': 2 }],
    ['{"":1,"\\u0000":2}', { '': 1, '\u0000': 2 }],
    ['{"x":"é😀"}', { x: 'é😀' }],
    [nestedObjects(64), JSON.parse(nestedObjects(64))],
    [nestedArrays(64), JSON.parse(nestedArrays(64))],
  ])('accepts %s', (text, expected) => {
    expect(parse(text)).toStrictEqual({ ok: true, value: expected })
  })

  it.each<[string, Uint8Array | string, Reason]>([
    ['a lone continuation byte', Uint8Array.of(0x7b, 0x80, 0x7d), 'is not valid UTF-8'],
    ['byte 0xFF', Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d), 'is not valid UTF-8'],
    ['an overlong "/"', Uint8Array.of(0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d), 'is not valid UTF-8'],
    ['an encoded surrogate', Uint8Array.of(0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x3a, 0x31, 0x7d), 'is not valid UTF-8'],
    ['a truncated sequence', Uint8Array.of(0x7b, 0x22, 0xe2, 0x82, 0x22, 0x3a, 0x31, 0x7d), 'is not valid UTF-8'],
    ['a code point above U+10FFFF', Uint8Array.of(0x7b, 0x22, 0xf4, 0x90, 0x80, 0x80, 0x22, 0x3a, 0x31, 0x7d), 'is not valid UTF-8'],
    ['a UTF-8 byte order mark', Uint8Array.of(0xef, 0xbb, 0xbf, 0x7b, 0x7d), 'starts with a byte order mark'],
    ['nothing', '', 'is not valid JSON'],
    ['a trailing comma', '{"a":1,}', 'is not valid JSON'],
    ['single quotes', "{'a':1}", 'is not valid JSON'],
    ['trailing garbage', '{"a":1} x', 'is not valid JSON'],
    ['two objects', '{}{}', 'is not valid JSON'],
    ['a leading zero', '{"a":01}', 'is not valid JSON'],
    ['NaN', '{"a":NaN}', 'is not valid JSON'],
    ['a raw control character in a string', '{"a":"\u0001"}', 'is not valid JSON'],
    ['an unterminated string', '{"a":"x}', 'is not valid JSON'],
    ['an escaped closing quote', '{"a":"x\\"}', 'is not valid JSON'],
    ['a comment', '{"a":1 /* c */}', 'is not valid JSON'],
    ['non-JSON whitespace (NBSP)', '\u00a0{}', 'is not valid JSON'],
    ['an array', '[]', 'is not a JSON object'],
    ['a string', '"x"', 'is not a JSON object'],
    ['a number', '1', 'is not a JSON object'],
    ['null', 'null', 'is not a JSON object'],
    ['65 nested objects', nestedObjects(65), 'nests deeper than 64 levels'],
    ['65 levels of arrays', nestedArrays(65), 'nests deeper than 64 levels'],
    ['deep unclosed arrays', `{"a":${'['.repeat(10_000)}`, 'nests deeper than 64 levels'],
    ['a repeated name', '{"a":1,"a":1}', 'has a duplicate member name'],
    ['a name repeated with \\u escapes', '{"a":1,"\\u0061":2}', 'has a duplicate member name'],
    ['a name repeated with upper-case \\u escapes', '{"\\u00E9":1,"é":2}', 'has a duplicate member name'],
    ['a partly escaped repeat', '{"ab":1,"\\u0061b":2}', 'has a duplicate member name'],
    ['an escaped astral repeat', '{"😀":1,"\\ud83d\\ude00":2}', 'has a duplicate member name'],
    ['an escaped solidus repeat', '{"a/b":1,"a\\/b":2}', 'has a duplicate member name'],
    ['a repeated empty name', '{"":1,"":2}', 'has a duplicate member name'],
    ['a repeated __proto__', '{"__proto__":1,"__proto__":2}', 'has a duplicate member name'],
    ['a nested repeat', '{"x":{"a":1,"a":2}}', 'has a duplicate member name'],
    ['a repeat inside an array', '{"x":[1,{"a":1,"a":2}]}', 'has a duplicate member name'],
    ['a repeat that drops a subtree', '{"a":{"b":1,"c":2},"a":1}', 'has a duplicate member name'],
    ['a repeat after a value full of colons', '{"a":"::::","a":"::"}', 'has a duplicate member name'],
  ])('refuses %s', (_name, input, reason) => {
    const result = parseStrictJsonObject(typeof input === 'string' ? utf8(input) : input)
    expect(result).toStrictEqual({ ok: false, error: reason })
  })

  it('keeps __proto__ as an own property and pollutes nothing', () => {
    const result = parse('{"__proto__":{"x":1},"a":{"__proto__":{"polluted":true}}}')
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const value = result.value
    expect(Object.hasOwn(value, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect((value as { x?: unknown }).x).toBeUndefined()
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ x: 1 })
    expect(({} as { x?: unknown }).x).toBeUndefined()
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    expect(Object.keys(value)).toEqual(['__proto__', 'a'])
  })

  it('ignores inherited properties when a prototype has been polluted elsewhere', () => {
    const proto = Object.prototype as Record<string, unknown>
    proto.injected = 1
    try {
      expect(parse('{"a":1,"b":{"c":2}}')).toStrictEqual({ ok: true, value: { a: 1, b: { c: 2 } } })
      expect(parse('{"a":1,"a":2}')).toStrictEqual({ ok: false, error: 'has a duplicate member name' })
    } finally {
      delete proto.injected
    }
  })
})

// ---------------------------------------------------------------------------------------------
// Property: duplicate detection agrees with references on generated objects.

type Name = { readonly name: string; readonly escapes: readonly boolean[]; readonly upper: boolean }
type Node =
  | { readonly kind: 'leaf'; readonly value: string | number | boolean | null }
  | { readonly kind: 'array'; readonly items: readonly Node[] }
  | { readonly kind: 'object'; readonly members: readonly (readonly [Name, Node])[] }

const namePool = ['a', 'b', 'A', 'ab', '__proto__', 'constructor', '0', '00', 'é', '😀', 'a"b', 'x\\y', 'k:v', '{', '[', '', ' ']
const nameArb: fc.Arbitrary<Name> = fc.record({
  name: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...namePool) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) },
  ),
  escapes: fc.array(fc.boolean(), { maxLength: 4 }),
  upper: fc.boolean(),
})
const leafArb = fc
  .oneof(
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom('":', '{"a":1,"a":2}', '\\', '\\"', '"', ':', '\\\\":'),
    fc.string({ unit: 'binary', maxLength: 6 }),
  )
  .map((value): Node => ({ kind: 'leaf', value }))
const tree = fc.letrec<{ node: Node; object: Node; array: Node }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('object'), tie('array')),
  object: fc
    .array(fc.tuple(nameArb, tie('node')), { maxLength: 5 })
    .map((members): Node => ({ kind: 'object', members })),
  array: fc.array(tie('node'), { maxLength: 4 }).map((items): Node => ({ kind: 'array', items })),
}))
const documentArb = fc.record({
  root: fc.oneof({ weight: 9, arbitrary: tree.object }, { weight: 1, arbitrary: tree.node }),
  space: fc.constantFrom('', ' ', '\n', '\t', '\r\n  '),
})

function writeName({ name, escapes, upper }: Name): string {
  let out = '"'
  let index = 0
  for (const codePoint of name) {
    if (escapes.length > 0 && escapes[index++ % escapes.length]) {
      for (let k = 0; k < codePoint.length; k++) {
        const hex = codePoint.charCodeAt(k).toString(16).padStart(4, '0')
        out += `\\u${upper ? hex.toUpperCase() : hex}`
      }
    } else {
      out += JSON.stringify(codePoint).slice(1, -1)
    }
  }
  return `${out}"`
}

function write(node: Node, s: string): string {
  switch (node.kind) {
    case 'leaf':
      return JSON.stringify(node.value)
    case 'array':
      return `[${s}${node.items.map((item) => write(item, s)).join(`${s},${s}`)}${s}]`
    case 'object':
      return `{${s}${node.members.map(([name, value]) => `${writeName(name)}${s}:${s}${write(value, s)}`).join(`${s},${s}`)}${s}}`
  }
}

function hasDuplicate(node: Node): boolean {
  switch (node.kind) {
    case 'leaf':
      return false
    case 'array':
      return node.items.some(hasDuplicate)
    case 'object': {
      const names = new Set(node.members.map(([name]) => name.name))
      return names.size < node.members.length || node.members.some(([, value]) => hasDuplicate(value))
    }
  }
}

/** A deliberately plain recursive-descent JSON reader that reports duplicates by decoded name. */
function referenceVerdict(text: string): 'invalid' | 'not-object' | 'duplicate' | 'ok' {
  let i = 0
  let duplicate = false
  const fail = (): never => {
    throw new SyntaxError('reference: invalid')
  }
  const space = () => {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++
  }
  const expect = (ch: string) => (text[i] === ch ? i++ : fail())
  const string = (): string => {
    expect('"')
    let out = ''
    for (;;) {
      const ch = text[i++] ?? fail()
      if (ch === '"') return out
      if (ch < ' ') fail()
      if (ch !== '\\') {
        out += ch
        continue
      }
      const escape = text[i++] ?? fail()
      const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
      if (Object.hasOwn(simple, escape)) out += simple[escape]
      else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i, i + 4))) {
        out += String.fromCharCode(Number.parseInt(text.slice(i, i + 4), 16))
        i += 4
      } else fail()
    }
  }
  const value = (): 'object' | 'other' => {
    space()
    const ch = text[i]
    if (ch === '{') {
      i++
      const names = new Set<string>()
      space()
      if (text[i] === '}') return i++, 'object'
      for (;;) {
        space()
        const name = string()
        if (names.has(name)) duplicate = true
        names.add(name)
        space()
        expect(':')
        value()
        space()
        if (text[i] === ',') i++
        else return expect('}'), 'object'
      }
    }
    if (ch === '[') {
      i++
      space()
      if (text[i] === ']') return i++, 'other'
      for (;;) {
        value()
        space()
        if (text[i] === ',') i++
        else return expect(']'), 'other'
      }
    }
    if (ch === '"') return string(), 'other'
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) return (i += literal.length), 'other'
    }
    const number = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
    number.lastIndex = i
    if (number.test(text)) return (i = number.lastIndex), 'other'
    return fail()
  }
  try {
    const kind = value()
    space()
    if (i !== text.length) return 'invalid'
    if (kind !== 'object') return 'not-object'
    return duplicate ? 'duplicate' : 'ok'
  } catch {
    return 'invalid'
  }
}

const verdictOf = (reason: string | undefined) =>
  reason === undefined
    ? 'ok'
    : reason === 'is not valid JSON'
      ? 'invalid'
      : reason === 'is not a JSON object'
        ? 'not-object'
        : reason === 'has a duplicate member name'
          ? 'duplicate'
          : reason

describe('parseStrictJsonObject duplicate detection (properties)', () => {
  it('agrees with the generated structure', () => {
    fc.assert(
      fc.property(documentArb, ({ root, space }) => {
        const text = write(root, space)
        const result = parse(text)
        if (root.kind !== 'object') expect(result).toStrictEqual({ ok: false, error: 'is not a JSON object' })
        else if (hasDuplicate(root)) expect(result).toStrictEqual({ ok: false, error: 'has a duplicate member name' })
        else {
          // Compared as text: members such as `constructor` defeat structural equality.
          expect(result.ok && JSON.stringify(result.value)).toBe(JSON.stringify(JSON.parse(text)))
        }
      }),
      { numRuns: 3000 },
    )
  })

  it('agrees with a reference parser on generated and mutated text', () => {
    const seen = new Set<string>()
    const mutation = fc.record({
      at: fc.nat(),
      action: fc.constantFrom('insert', 'replace', 'delete'),
      ch: fc.constantFrom('"', '\\', ':', ',', '{', '}', '[', ']', 'a', '1', ' ', 'u', '0'),
    })
    fc.assert(
      fc.property(documentArb, fc.array(mutation, { maxLength: 3 }), ({ root, space }, mutations) => {
        let text = write(root, space)
        for (const { at, action, ch } of mutations) {
          const p = text.length === 0 ? 0 : at % text.length
          text =
            action === 'insert'
              ? text.slice(0, p) + ch + text.slice(p)
              : text.slice(0, p) + (action === 'replace' ? ch : '') + text.slice(p + 1)
        }
        // Compare on the text as it survives UTF-8 (lone surrogates become U+FFFD).
        const bytes = utf8(text)
        const result = parseStrictJsonObject(bytes)
        const expected = referenceVerdict(new TextDecoder().decode(bytes))
        expect(verdictOf(result.ok ? undefined : result.error)).toBe(expected)
        seen.add(expected)
      }),
      { numRuns: 5000 },
    )
    expect([...seen].sort()).toEqual(['duplicate', 'invalid', 'not-object', 'ok'])
  })

  it('agrees with the reference parser on short random JSON-ish strings', () => {
    const seen = new Set<string>()
    fc.assert(
      fc.property(fc.stringMatching(/^[{}[\]":, \\u0aA1.e-]{0,24}$/), (text) => {
        const result = parse(text)
        const expected = referenceVerdict(text)
        expect(verdictOf(result.ok ? undefined : result.error)).toBe(expected)
        seen.add(expected)
      }),
      { numRuns: 5000 },
    )
    expect(seen).toContain('invalid')
    expect(seen).toContain('not-object')
  })

  it('never throws and always answers with a fixed reason', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const result = parseStrictJsonObject(bytes)
        if (!result.ok) expect(reasons).toContain(result.error)
      }),
    )
  })
})
