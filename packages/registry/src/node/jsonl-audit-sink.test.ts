import { appendFile, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { AuditEventShape } from '../audit/audit-sink.ts'
import { AuditEventNotSerializableError, AuditSinkClosedError, AuditSinkOverloadedError, RegistryConfigError } from '../errors.ts'
import { makeTempDir, sleep, sourceUrl, startWorker, writeWorkerScript, type RunningWorker } from './child-process.test-support.ts'
import { createJsonlAuditSink, type AuditBatchWritten } from './jsonl-audit-sink.ts'
import { readAuditLog } from './read-audit-log.ts'

interface Tick extends AuditEventShape {
  readonly type: 'tick'
  readonly seq: number
  readonly pad?: string
}
const tick = (seq: number, pad?: string): Tick => (pad === undefined ? { type: 'tick', orgId: 'acme', seq } : { type: 'tick', orgId: 'acme', seq, pad })

const cleanups: (() => Promise<void>)[] = []
const workers: RunningWorker[] = []
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.child.kill('SIGKILL')
    await w.exited
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function logPath(): Promise<string> {
  const { dir, remove } = await makeTempDir('audit')
  cleanups.push(remove)
  return join(dir, 'audit.jsonl')
}

describe('createJsonlAuditSink', () => {
  it('appends one JSON object per line, after whatever the file already holds', async () => {
    const path = await logPath()
    await writeFile(path, `${JSON.stringify(tick(0))}\n`)
    const sink = await createJsonlAuditSink<Tick>({ path })
    await sink.record(tick(1))
    await sink.record(tick(2))
    await sink.close()
    const again = await createJsonlAuditSink<Tick>({ path, fsync: 'none' })
    await again.record(tick(3))
    await again.close()
    expect(await readFile(path, 'utf8')).toBe(`${[0, 1, 2, 3].map((seq) => JSON.stringify(tick(seq))).join('\n')}\n`)
    expect(await readAuditLog<Tick>(path)).toEqual({ events: [0, 1, 2, 3].map((seq) => tick(seq)), tornLines: [] })
  })

  it('never interleaves concurrent records, and keeps call order', async () => {
    const path = await logPath()
    const sink = await createJsonlAuditSink<Tick>({ path })
    const big = 'x'.repeat(256 * 1024)
    await Promise.all(Array.from({ length: 40 }, (_, seq) => sink.record(tick(seq, seq % 2 === 0 ? big : 'y'))))
    await sink.close()
    const { events, tornLines } = await readAuditLog<Tick>(path)
    expect(tornLines).toEqual([])
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, seq) => seq))
    expect(events.every((e) => e.pad === (e.seq % 2 === 0 ? big : 'y'))).toBe(true)
  })

  it('group-commits: 300 concurrent records take a handful of fsyncs, not 300, and each resolves only once durable', async () => {
    const path = await logPath()
    const batches: AuditBatchWritten[] = []
    const sink = await createJsonlAuditSink<Tick>({ path, onBatchWritten: (b) => batches.push(b) })
    const resolvedBeforeItsBatch: number[] = []
    await Promise.all(
      Array.from({ length: 300 }, (_, seq) =>
        sink.record(tick(seq)).then(() => {
          // The batches written so far must already hold this record.
          if (batches.reduce((n, b) => n + b.lines, 0) <= seq) resolvedBeforeItsBatch.push(seq)
        }),
      ),
    )
    await sink.close()
    expect(resolvedBeforeItsBatch).toEqual([])
    expect(batches.reduce((n, b) => n + b.lines, 0)).toBe(300)
    expect(batches.every((b) => b.synced)).toBe(true)
    // The first record starts a batch alone; the 299 that arrive meanwhile share the next one.
    expect(batches.length).toBeLessThanOrEqual(3)
    expect((await readAuditLog<Tick>(path)).events.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, seq) => seq))
  })

  it('fsync { everyMs }: records resolve once written, one flush per interval makes them durable, close flushes the rest', async () => {
    const path = await logPath()
    const batches: AuditBatchWritten[] = []
    const synced: number[] = []
    const sink = await createJsonlAuditSink<Tick>({ path, fsync: { everyMs: 40 }, onBatchWritten: (b) => batches.push(b), onSynced: (s) => synced.push(s.lines) })
    await Promise.all(Array.from({ length: 100 }, (_, seq) => sink.record(tick(seq))))
    expect(batches.every((b) => !b.synced)).toBe(true)
    expect(synced).toEqual([]) // acknowledged before any flush
    await sleep(120)
    expect(synced).toEqual([100]) // one flush for all of them
    await sink.record(tick(100))
    await sink.close()
    expect(synced).toEqual([100, 1])
    expect((await readAuditLog<Tick>(path)).events).toHaveLength(101)
    await expect(createJsonlAuditSink({ path, fsync: { everyMs: 0 } })).rejects.toThrow(/fsync.everyMs/)
  })

  it('bounds what waits: beyond maxPendingEvents a record is refused at once, and the rest are written', async () => {
    const path = await logPath()
    const sink = await createJsonlAuditSink<Tick>({ path, maxPendingEvents: 5 })
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, seq) => sink.record(tick(seq))))
    await sink.close()
    const refused = outcomes.filter((o) => o.status === 'rejected')
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every((o) => o.status === 'rejected' && o.reason instanceof AuditSinkOverloadedError)).toBe(true)
    const written = (await readAuditLog<Tick>(path)).events.map((e) => e.seq)
    expect(written).toEqual(outcomes.flatMap((o, seq) => (o.status === 'fulfilled' ? [seq] : [])))
    expect(written.length).toBeLessThanOrEqual(6) // one being written + 5 waiting
  })

  it('refuses an event JSON cannot represent, writing nothing, and goes on with the next', async () => {
    const path = await logPath()
    const sink = await createJsonlAuditSink({ path })
    const bad = sink.record({ type: 'tick', orgId: 'acme', at: new Date() } as AuditEventShape)
    const good = sink.record(tick(1))
    await expect(bad).rejects.toBeInstanceOf(AuditEventNotSerializableError)
    await good
    await sink.close()
    expect((await readAuditLog(path)).events).toEqual([tick(1)])
  })

  it('waits for pending records on close, then refuses more', async () => {
    const path = await logPath()
    const sink = await createJsonlAuditSink<Tick>({ path })
    const pending = [sink.record(tick(1)), sink.record(tick(2))]
    await sink.close()
    await Promise.all(pending)
    await expect(sink.record(tick(3))).rejects.toBeInstanceOf(AuditSinkClosedError)
    await sink.close()
    expect((await readAuditLog<Tick>(path)).events.map((e) => e.seq)).toEqual([1, 2])
  })

  it('names bad options, and fails at creation when the file cannot be opened', async () => {
    const error = await createJsonlAuditSink({ path: '', fsync: 'sometimes' as 'none' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RegistryConfigError)
    expect((error as RegistryConfigError).issues.map((i) => i.path)).toEqual(['path', 'fsync'])
    const path = await logPath()
    await expect(createJsonlAuditSink({ path: join(path, 'missing-dir', 'audit.jsonl') })).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('readAuditLog', () => {
  it('reports a torn last line, and the sink starts after it on a fresh line', async () => {
    const path = await logPath()
    const sink = await createJsonlAuditSink<Tick>({ path })
    await sink.record(tick(1))
    await sink.close()
    const fragment = JSON.stringify(tick(2)).slice(0, 20)
    await appendFile(path, fragment)

    expect(await readAuditLog<Tick>(path)).toEqual({
      events: [tick(1)],
      tornLines: [{ lineNumber: 2, atEnd: true, length: fragment.length, text: fragment }],
    })

    const reopened = await createJsonlAuditSink<Tick>({ path })
    await reopened.record(tick(2))
    await reopened.close()
    expect(await readAuditLog<Tick>(path)).toEqual({
      events: [tick(1), tick(2)],
      tornLines: [{ lineNumber: 2, atEnd: false, length: fragment.length, text: fragment }],
    })
  })

  it('skips empty lines, reports lines that are not audit events, and cuts long ones', async () => {
    const path = await logPath()
    const long = `{"type":"tick","orgId":"acme","pad":"${'z'.repeat(500)}`
    await writeFile(path, ['', JSON.stringify(tick(1)), '[1,2]', '{"type":"tick"}', long, '', JSON.stringify(tick(2)), ''].join('\n'))
    const { events, tornLines } = await readAuditLog<Tick>(path)
    expect(events).toEqual([tick(1), tick(2)])
    expect(tornLines.map((l) => [l.lineNumber, l.atEnd, l.length])).toEqual([
      [3, false, 5],
      [4, false, 15],
      [5, false, long.length],
    ])
    expect(tornLines[2]?.text).toHaveLength(200)
  })

  it('rejects for a missing file', async () => {
    await expect(readAuditLog(join(await logPath(), 'nope'))).rejects.toMatchObject({ code: expect.stringMatching(/ENOENT|ENOTDIR/) })
  })
})

// Records large events until killed, announcing each acknowledged one; continues the sequence
// from what the log already holds.
const crashWorker = `
const { createJsonlAuditSink } = await import(${JSON.stringify(sourceUrl('./jsonl-audit-sink.ts'))})
const { readAuditLog } = await import(${JSON.stringify(sourceUrl('./read-audit-log.ts'))})
const [path] = process.argv.slice(2)
let seq = 0
try {
  const { events } = await readAuditLog(path)
  seq = (events.at(-1)?.seq ?? -1) + 1
} catch {}
const sink = await createJsonlAuditSink({ path })
console.log('ready')
const pad = 'p'.repeat(200_000)
for (;;) {
  await sink.record({ type: 'tick', orgId: 'acme', seq, pad })
  console.log('ack ' + seq)
  seq++
}
`

describe('JSON-lines sink killed at random moments', () => {
  it('keeps every acknowledged event, in order, with at most one torn line per kill (20 kills)', async () => {
    const path = await logPath()
    const { dir, remove } = await makeTempDir('audit-worker')
    cleanups.push(remove)
    const script = await writeWorkerScript(dir, 'crash.mjs', crashWorker)
    const acked: number[] = []
    for (let kill = 1; kill <= 20; kill++) {
      const w = startWorker(script, [path])
      workers.push(w)
      await w.waitForLine((l) => l === 'ready')
      await sleep(5 + Math.random() * 60)
      w.child.kill('SIGKILL')
      await w.exited
      acked.push(...w.lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.slice(4))))

      const { events, tornLines } = await readAuditLog<Tick>(path)
      const seqs = events.map((e) => e.seq)
      // Complete events form one gap-free sequence that contains every acknowledged one.
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i))
      expect(seqs).toEqual(expect.arrayContaining(acked))
      expect(events.every((e) => e.pad?.length === 200_000)).toBe(true)
      // Only the last line may be cut off mid-write; earlier torn lines are ones sealed by a restart.
      expect(tornLines.filter((l) => l.atEnd).length).toBeLessThanOrEqual(1)
      expect(tornLines.length).toBeLessThanOrEqual(kill)
    }
    expect(acked.length).toBeGreaterThan(0)
  }, 120_000)
})
