import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createVerifiedTokenCache } from './verified-token-cache.ts'

const entry = (value: string, expiresAt = 1000, extra: { notBefore?: number; kid?: string; keyGeneration?: number } = {}) => ({
  value,
  expiresAt,
  notBefore: extra.notBefore,
  kid: extra.kid ?? 'k1',
  keyGeneration: extra.keyGeneration ?? 1,
})
const always = () => true

describe('createVerifiedTokenCache', () => {
  it('serves a hit and keys by the whole token', () => {
    const c = createVerifiedTokenCache<string>({ maxEntries: 10 })
    c.set('a.b.c', entry('one'))
    c.set('a.b.cd', entry('two'))
    expect(c.get('a.b.c', 500, 0, always)).toBe('one')
    expect(c.get('a.b.cd', 500, 0, always)).toBe('two')
    expect(c.get('a.b', 500, 0, always)).toBeUndefined()
  })

  it('re-checks exp on every hit and evicts expired entries', () => {
    const c = createVerifiedTokenCache<string>({ maxEntries: 10 })
    c.set('t', entry('v', 1000))
    expect(c.get('t', 1000 + 29, 30, always)).toBe('v')
    expect(c.get('t', 1000 + 30, 30, always)).toBeUndefined()
    expect(c.size).toBe(0)
  })

  it('does not serve before nbf but keeps the entry', () => {
    const c = createVerifiedTokenCache<string>({ maxEntries: 10 })
    c.set('t', entry('v', 1000, { notBefore: 500 }))
    expect(c.get('t', 400, 30, always)).toBeUndefined()
    expect(c.get('t', 480, 30, always)).toBe('v')
  })

  it('evicts an entry whose key is no longer published', () => {
    const c = createVerifiedTokenCache<string>({ maxEntries: 10 })
    c.set('t', entry('v'))
    expect(c.get('t', 1, 0, () => false)).toBeUndefined()
    expect(c.get('t', 1, 0, always)).toBeUndefined()
  })

  it('keeps a token that is hit over and over while others come and go', () => {
    const c = createVerifiedTokenCache<string>({ maxEntries: 100 })
    c.set('hot', entry('H'))
    for (let i = 0; i < 1000; i++) {
      c.set(`t${i}`, entry(String(i)))
      expect(c.get('hot', 1, 0, always)).toBe('H')
    }
    expect(c.size).toBe(100)
  })

  it('is bounded, evicting the least recently used', () => {
    const c = createVerifiedTokenCache<string>({ maxEntries: 2 })
    c.set('a', entry('A'))
    c.set('b', entry('B'))
    expect(c.get('a', 1, 0, always)).toBe('A') // a is now most recent
    c.set('c', entry('C'))
    expect(c.size).toBe(2)
    expect(c.get('b', 1, 0, always)).toBeUndefined()
    expect(c.get('a', 1, 0, always)).toBe('A')
    expect(c.get('c', 1, 0, always)).toBe('C')
  })

  it('behaves like a strict LRU over any sequence of sets, hits, expiries and clears', () => {
    type Op = { kind: 'set'; key: number; expired: boolean } | { kind: 'get'; key: number } | { kind: 'clear' }
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }), expired: fc.boolean() }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 12 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
    )
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (maxEntries, ops) => {
        const c = createVerifiedTokenCache<string>({ maxEntries })
        // The model: entries from least to most recently used. Gets happen at time 5, so an entry
        // set with expiresAt 1 is evicted by its next hit.
        let model: { key: string; expiresAt: number }[] = []
        for (const o of ops) {
          if (o.kind === 'clear') {
            c.clear()
            model = []
          } else if (o.kind === 'set') {
            const key = `t${o.key}`
            const expiresAt = o.expired ? 1 : 1000
            c.set(key, entry(key, expiresAt))
            model = [...model.filter((e) => e.key !== key), { key, expiresAt }]
            if (model.length > maxEntries) model.shift()
          } else {
            const key = `t${o.key}`
            const found = model.find((e) => e.key === key)
            const servable = found !== undefined && found.expiresAt > 5
            expect(c.get(key, 5, 0, always)).toBe(servable ? key : undefined)
            model = model.filter((e) => e.key !== key)
            if (servable) model.push(found)
          }
          expect(c.size).toBe(model.length)
        }
        // Fill up with fresh keys: the survivors must be exactly the model's most recent ones.
        for (let i = 0; i < maxEntries; i++) c.set(`fresh${i}`, entry('F'))
        expect(c.size).toBe(maxEntries)
      }),
    )
  })

  it('holds nothing when maxEntries is 0, and clear() empties it', () => {
    const off = createVerifiedTokenCache<string>({ maxEntries: 0 })
    off.set('a', entry('A'))
    expect(off.size).toBe(0)
    const c = createVerifiedTokenCache<string>({ maxEntries: 5 })
    c.set('a', entry('A'))
    c.clear()
    expect(c.get('a', 1, 0, always)).toBeUndefined()
  })
})
