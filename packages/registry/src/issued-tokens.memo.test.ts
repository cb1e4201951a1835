// Regression: the registry verifier remembers the `iss` of every token it sees (to route built-in
// issuer tokens cheaply), before any signature is checked. Anyone who knows an organization ID
// could make it keep 10 000 tokens of up to a header's size each (~160 MB with 16 KB tokens) for as
// long as they like. The memo is now bounded by the characters it holds, not only by its entries.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import { createTokenIssuerMemo } from './issued-tokens.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void
const heapUsed = (): number => {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

describe('createTokenIssuerMemo', () => {
  it('still answers the iss of a token, and again from memory', () => {
    const issuerOf = createTokenIssuerMemo()
    const payload = Buffer.from(JSON.stringify({ iss: 'https://auth.example.com' })).toString('base64url')
    const request = { headers: { authorization: `Bearer eyJhbGciOiJFUzI1NiJ9.${payload}.c2ln` } }
    expect(issuerOf(request)).toBe('https://auth.example.com')
    expect(issuerOf(request)).toBe('https://auth.example.com')
    expect(issuerOf({ headers: { authorization: 'Bearer not-a-jwt' } })).toBeUndefined()
  })

  it('does not hold on to unverified tokens beyond a few megabytes, however long they are', () => {
    const payload = Buffer.from(JSON.stringify({ iss: 'https://attacker.example' })).toString('base64url')
    const padding = 'A'.repeat(16_000)
    const before = heapUsed()
    const issuerOf = createTokenIssuerMemo()
    for (let i = 0; i < 10_000; i++) issuerOf({ headers: { authorization: `Bearer eyJhbGciOiJFUzI1NiJ9.${payload}.${padding}${i}` } })
    const grown = heapUsed() - before
    expect(issuerOf({ headers: { authorization: `Bearer eyJhbGciOiJFUzI1NiJ9.${payload}.${padding}0` } })).toBe('https://attacker.example')
    // 10 000 tokens of 16 KB are 160 MB; the memo may keep a bounded few.
    expect(grown).toBeLessThan(32 * 1024 * 1024)
  })
})
