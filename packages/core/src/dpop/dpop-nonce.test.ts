import { describe, expect, it } from 'vitest'
import { createDpopNonces } from './dpop-nonce.ts'

const secretA = 'a'.repeat(32) + '-first-secret'
const secretB = 'b'.repeat(32) + '-second-secret'
const t0 = 1_700_000_040 // 40 s into a 60 s step

describe('createDpopNonces', () => {
  it('accepts its own nonce for the accepted steps, marks the last one expiring, then refuses it', async () => {
    const nonces = createDpopNonces({ secrets: [secretA], stepSeconds: 60, acceptedSteps: 3 })
    const nonce = await nonces.issue(t0)
    expect(await nonces.check(nonce, t0)).toBe('current')
    expect(await nonces.check(nonce, t0 + 60)).toBe('current')
    expect(await nonces.check(nonce, t0 + 120)).toBe('expiring')
    expect(await nonces.check(nonce, t0 + 180)).toBe('invalid')
  })

  it('is stateless: another instance with the same secret agrees, one with another secret does not', async () => {
    const one = createDpopNonces({ secrets: [secretA] })
    const two = createDpopNonces({ secrets: [secretA] })
    const other = createDpopNonces({ secrets: [secretB] })
    const nonce = await one.issue(t0)
    expect(await two.check(nonce, t0)).toBe('current')
    expect(await other.check(nonce, t0)).toBe('invalid')
  })

  it('rotates by overlap: the first secret signs, the old one is still accepted', async () => {
    const old = createDpopNonces({ secrets: [secretA] })
    const rotated = createDpopNonces({ secrets: [secretB, secretA] })
    const next = createDpopNonces({ secrets: [secretB] })
    expect(await rotated.check(await old.issue(t0), t0)).toBe('current')
    expect(await next.check(await rotated.issue(t0), t0)).toBe('current')
  })

  it('refuses forged, future, malformed and oversized nonces', async () => {
    const nonces = createDpopNonces({ secrets: [secretA] })
    const nonce = await nonces.issue(t0)
    const [step, mac] = nonce.split('.') as [string, string]
    const flipped = `${mac.slice(0, 5)}${mac[5] === 'A' ? 'B' : 'A'}${mac.slice(6)}`
    for (const bad of [
      `${step}.${flipped}`,
      `${Number(step) + 1}.${mac}`,
      `${Number(step) - 1}.${mac}`,
      `${step}.`,
      `.${mac}`,
      `x${step}.${mac}`,
      `${step}.${mac}.x`,
      'x'.repeat(200),
      '',
    ]) {
      expect(await nonces.check(bad, t0), bad).toBe('invalid')
    }
    expect(await nonces.check(`${Number(step) + 1}.${mac}`, t0 + 60)).toBe('invalid')
  })

  it('makes a random secret per instance when none is configured', async () => {
    const one = createDpopNonces()
    const two = createDpopNonces()
    const nonce = await one.issue(t0)
    expect(await one.check(nonce, t0)).toBe('current')
    expect(await two.check(nonce, t0)).toBe('invalid')
  })
})
