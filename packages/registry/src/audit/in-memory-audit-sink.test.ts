import { describe, expect, it } from 'vitest'
import { RegistryConfigError, isRegistryError } from '../errors.ts'
import type { AuditEventShape } from './audit-sink.ts'
import { createInMemoryAuditSink } from './in-memory-audit-sink.ts'

interface TestEvent extends AuditEventShape {
  readonly type: 'tick'
  readonly seq: number
  readonly details: { readonly tags: string[] }
}
const tick = (seq: number): TestEvent => ({ type: 'tick', orgId: 'acme', seq, details: { tags: ['a'] } })

describe('createInMemoryAuditSink', () => {
  it('records events in call order, as copies', async () => {
    const sink = createInMemoryAuditSink<TestEvent>()
    const first = tick(1)
    await Promise.all([sink.record(first), sink.record(tick(2)), sink.record(tick(3))])
    first.details.tags.push('mutated')
    expect(sink.events.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(sink.events[0]?.details.tags).toEqual(['a'])
    ;(sink.events as TestEvent[]).length = 0
    expect(sink.events).toHaveLength(3)
  })

  it('keeps only the latest maxEvents and counts the dropped ones', async () => {
    const sink = createInMemoryAuditSink<TestEvent>({ maxEvents: 3 })
    for (let seq = 1; seq <= 5; seq++) await sink.record(tick(seq))
    expect(sink.events.map((e) => e.seq)).toEqual([3, 4, 5])
    expect(sink.droppedCount).toBe(2)
  })

  it('refuses what a durable sink could not write, and anything after close', async () => {
    const sink = createInMemoryAuditSink()
    await expect(sink.record({ type: 'x', orgId: 'acme', at: new Date() } as AuditEventShape)).rejects.toMatchObject({ code: 'audit_event_not_serializable', path: '$.at' })
    await sink.record({ type: 'x', orgId: 'acme' })
    await sink.close()
    const closed = await sink.record({ type: 'x', orgId: 'acme' }).catch((e: unknown) => e)
    expect(isRegistryError(closed) && closed.code).toBe('audit_sink_closed')
    expect(sink.events).toEqual([{ type: 'x', orgId: 'acme' }])
  })

  it('names a bad bound', () => {
    expect(() => createInMemoryAuditSink({ maxEvents: 0 })).toThrow(RegistryConfigError)
  })
})
