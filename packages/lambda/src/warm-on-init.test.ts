import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { isTokenwardError } from '@tokenward/core'
import { setup, type Setup } from './testing/events.test-support.ts'
import { warmOnInit } from './warm-on-init.ts'

let s: Setup
beforeAll(async () => {
  s = await setup()
})
afterAll(() => s.close())

describe('warmOnInit', () => {
  it('resolves true when the keys are in', async () => {
    expect(await warmOnInit(s.verifier)).toBe(true)
  })

  it('never rejects: an outage is reported to onError and resolves false', async () => {
    const onError = vi.fn()
    expect(await warmOnInit(s.down, { onError })).toBe(false)
    expect(onError).toHaveBeenCalledOnce()
    expect(isTokenwardError(onError.mock.calls[0]![0]) && onError.mock.calls[0]![0].code).toBe('jwks_unavailable')
  })

  it('logs one warning by default, and survives a throwing reporter', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    try {
      expect(await warmOnInit({ warm: () => Promise.reject(new Error('down')) })).toBe(false)
      expect(warn).toHaveBeenCalledOnce()
      expect(await warmOnInit({ warm: () => Promise.reject(new Error('down')) }, { onError: () => { throw new Error('reporter') } })).toBe(false)
    } finally {
      warn.mockRestore()
    }
  })
})
