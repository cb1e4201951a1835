import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createVerifiedTokenCache, doorkeeperSlots, fingerprint } from './verified-token-cache.ts'

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

  it('never serves one token the verification of another with the same fingerprint', () => {
    // Same length and same last twelve characters: the same fingerprint.
    const a = 'hdr.payload-A.' + 'S'.repeat(40) + 'AbCdEfGhIjKl'
    const b = 'hdr.payload-B.' + 'T'.repeat(40) + 'AbCdEfGhIjKl'
    expect(fingerprint(a)).toBe(fingerprint(b))
    const c = createVerifiedTokenCache<string>({ maxEntries: 10 })
    c.set(a, entry('A'))
    expect(c.get(b, 500, 0, always)).toBeUndefined()
    expect(c.get(a, 500, 0, always)).toBe('A')
    // The later verified takes the slot; the cache does not grow.
    c.set(b, entry('B'))
    expect(c.size).toBe(1)
    expect(c.get(a, 500, 0, always)).toBeUndefined()
    expect(c.get(b, 500, 0, always)).toBe('B')
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
      c.set(`t${i}`, entry(String(i))) // as if each had been admitted
      expect(c.get('hot', 1, 0, always)).toBe('H')
    }
    expect(c.size).toBe(100)
  })

  it('is bounded: a full cache evicts the least recently used', () => {
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

  it('admits a token on its second verification, even with room to spare, and one already cached at once', () => {
    const c = createVerifiedTokenCache<string>({ maxEntries: 100 })
    expect(c.admit('tok.en.A')).toBe(false) // first sighting: a fingerprint, no entry
    expect(c.size).toBe(0)
    expect(c.admit('tok.en.B')).toBe(false)
    expect(c.admit('tok.en.A')).toBe(true) // second sighting
    c.set('tok.en.A', entry('A'))
    expect(c.admit('tok.en.A')).toBe(true) // cached already
    expect(c.size).toBe(1)
    // clear() forgets entries, not sightings.
    c.clear()
    expect(c.admit('tok.en.B')).toBe(true)
  })

  it('admits nothing when maxEntries is 0', () => {
    const off = createVerifiedTokenCache<string>({ maxEntries: 0 })
    for (const _ of [1, 2, 3]) expect(off.admit('t')).toBe(false)
  })

  it('tokens that never come back are never admitted, so they cause no entries and no evictions', () => {
    const c = createVerifiedTokenCache<string>({ maxEntries: 3 })
    for (const t of ['p1', 'p2', 'p3']) {
      c.admit(t)
      if (c.admit(t)) c.set(t, entry(t))
    }
    expect(c.size).toBe(3)
    let admitted = 0
    for (let i = 0; i < 50_000; i++) {
      const t = `once-${i}.sig${i * 7919}`
      if (c.admit(t)) {
        admitted++
        c.set(t, entry('x'))
      }
    }
    expect(admitted).toBe(0)
    expect(c.size).toBe(3)
    for (const t of ['p1', 'p2', 'p3']) expect(c.get(t, 1, 0, always)).toBe(t)
    // And an empty cache stays empty under the same stream.
    const empty = createVerifiedTokenCache<string>({ maxEntries: 10_000 })
    for (let i = 0; i < 20_000; i++) expect(empty.admit(`fresh-${i}.sig${i * 104_729}`)).toBe(false)
    expect(empty.size).toBe(0)
  })

  it('behaves like an LRU with second-sighting admission over any sequence of verifications, hits, expiries and clears', () => {
    type Op = { kind: 'set'; key: number; expired: boolean } | { kind: 'get'; key: number } | { kind: 'clear' }
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 12 }), expired: fc.boolean() }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 12 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'clear' as const }) },
    )
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (maxEntries, ops) => {
        const c = createVerifiedTokenCache<string>({ maxEntries })
        // The model: entries from least to most recently used. A 'set' is a verification: admit,
        // then set when admitted. Gets happen at time 5, so an entry set with expiresAt 1 is
        // evicted by its next hit. The admission table is modelled slot by slot; `clear` empties
        // the cache but not the table.
        let model: { key: string; expiresAt: number }[] = []
        const slots = doorkeeperSlots(maxEntries)
        const seen = new Map<number, number>()
        // The model assumes no two of its keys share a cache slot (a case tested on its own above).
        const keys = [...Array.from({ length: 13 }, (_, i) => `t${i}`), ...Array.from({ length: 6 }, (_, i) => `fresh${i}`)]
        expect(new Set(keys.map((k) => fingerprint(k) & 0x3fffffff)).size).toBe(keys.length)
        for (const o of ops) {
          if (o.kind === 'clear') {
            c.clear()
            model = []
          } else if (o.kind === 'set') {
            const key = `t${o.key}`
            const expiresAt = o.expired ? 1 : 1000
            if (c.admit(key)) c.set(key, entry(key, expiresAt))
            const present = model.some((e) => e.key === key)
            let admitted = present
            if (!admitted) {
              const print = fingerprint(key)
              const slot = print & (slots - 1)
              admitted = seen.get(slot) === print
              seen.set(slot, print)
            }
            if (admitted) {
              model = [...model.filter((e) => e.key !== key), { key, expiresAt }]
              if (model.length > maxEntries) model.shift()
            }
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
        // Fill up with fresh keys, each set twice: the cache ends full.
        for (let i = 0; i < maxEntries; i++) for (const _ of [1, 2]) if (c.admit(`fresh${i}`)) c.set(`fresh${i}`, entry('F'))
        expect(c.size).toBe(maxEntries)
      }),
    )
  })

  it('fingerprints tokens by the end of the signature, never as zero', () => {
    const token = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.' + 'Q'.repeat(84) + 'AbCdEfGhIjAA'
    const changed = (i: number) => token.slice(0, i) + (token[i] === 'x' ? 'y' : 'x') + token.slice(i + 1)
    // Each of the last twelve characters changes the fingerprint; the rest of the token does not take part.
    for (let i = token.length - 12; i < token.length; i++) expect(fingerprint(changed(i))).not.toBe(fingerprint(token))
    for (const i of [0, 40, token.length - 13]) expect(fingerprint(changed(i))).toBe(fingerprint(token))
    expect(new Set(['a', 'b', 'ab', 'ba', ''].map(fingerprint)).size).toBe(5)
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => fingerprint(s) !== 0 && Number.isInteger(fingerprint(s)) && fingerprint(s) === (fingerprint(s) | 0)))
    expect([1, 2, 512, 5000, 10_000, 1e7].map(doorkeeperSlots)).toEqual([1024, 1024, 1024, 16_384, 32_768, 1 << 20])
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
