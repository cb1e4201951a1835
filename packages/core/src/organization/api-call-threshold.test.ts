import { describe, expect, it } from 'vitest'
import { ConfigError } from '../errors.ts'
import { createInMemoryApiCallCounter } from './api-call-counter.ts'
import { apiCallThresholdSuspension, decideApiCall, defineApiCallThreshold, windowStart } from './api-call-threshold.ts'
import { applyCommand } from './commands.ts'
import { activeServer } from './status.ts'
import { systemActor } from './system-actor.ts'
import { makeOrg, now, okta1 } from './organization.test-support.ts'

describe('windowStart', () => {
  it.each([
    [1_700_000_123, 3600, 1_699_999_200],
    [1_699_999_200, 3600, 1_699_999_200],
    [59, 60, 0],
    [60, 60, 60],
  ])('windowStart(%i, %i) = %i', (t, w, start) => {
    expect(windowStart(t, w)).toBe(start)
  })
})

describe('decideApiCall', () => {
  const threshold = { maxCalls: 3, windowSeconds: 60 }
  it.each([
    [1, true, false],
    [3, true, false],
    [4, false, true],
    [5, false, false],
    [100, false, false],
  ])('call #%i → allowed %s, crossed %s', (count, allowed, crossed) => {
    expect(decideApiCall(count, threshold)).toEqual({ allowed, crossed })
  })

  it('a zero threshold refuses the first call, which crosses', () => {
    expect(decideApiCall(1, { maxCalls: 0, windowSeconds: 60 })).toEqual({ allowed: false, crossed: true })
  })

  it('fails closed on an unusable threshold', () => {
    expect(decideApiCall(1, { maxCalls: Number.NaN, windowSeconds: 60 }).allowed).toBe(false)
  })
})

describe('defineApiCallThreshold', () => {
  it('accepts a sane threshold and names every bad field', () => {
    expect(defineApiCallThreshold({ maxCalls: 0, windowSeconds: 1 })).toEqual({ maxCalls: 0, windowSeconds: 1 })
    try {
      defineApiCallThreshold({ maxCalls: -1, windowSeconds: 0.5 })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError)
      expect((e as ConfigError).issues.map((i) => i.path)).toEqual(['maxCalls', 'windowSeconds'])
    }
  })
})

describe('the threshold flow', () => {
  it('the first call over the limit suspends the organization through applyCommand', async () => {
    const threshold = defineApiCallThreshold({ maxCalls: 2, windowSeconds: 60 })
    const counter = createInMemoryApiCallCounter()
    let org = makeOrg([okta1])
    const decisions = []
    for (let i = 0; i < 4; i++) {
      const decision = decideApiCall(await counter.increment(org.orgId, windowStart(now, threshold.windowSeconds)), threshold)
      decisions.push(decision)
      if (decision.crossed) {
        const r = applyCommand(org, apiCallThresholdSuspension, systemActor, now)
        if (!r.ok) throw new Error(r.error.message)
        org = r.value.organization
        expect(r.value.events[0]).toMatchObject({ actor: 'system', action: 'suspend', after: { suspension: { reason: 'api_call_threshold_exceeded' } } })
      }
    }
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false, false])
    expect(decisions.filter((d) => d.crossed)).toHaveLength(1)
    expect(activeServer(org, now)).toMatchObject({ ok: false, reason: 'suspended' })
  })

  it('the system actor holds no permissions', () => {
    expect(systemActor).toEqual({ id: 'system', permissions: [] })
    expect(Object.isFrozen(systemActor)).toBe(true)
  })
})
