// Several Node processes sharing one store directory, and processes killed in the middle of writes.
import { readdir } from 'node:fs/promises'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { sampleOrganization } from '../store/organization-store-contract.test-support.ts'
import { makeTempDir, sleep, sourceUrl, startWorker, writeWorkerScript, type RunningWorker } from './child-process.test-support.ts'
import { createFileOrganizationStore } from './file-organization-store.ts'

const storeUrl = sourceUrl('./file-organization-store.ts')

// Increments `subscriptionValidUntil` `count` times, re-reading and retrying on every conflict.
const incrementWorker = `
import { createInterface } from 'node:readline'
const { createFileOrganizationStore } = await import(${JSON.stringify(storeUrl)})
const [directory, orgId, count] = process.argv.slice(2)
const store = await createFileOrganizationStore({ directory })
const stdin = createInterface({ input: process.stdin })
console.log('ready')
await new Promise((resolve) => stdin.once('line', resolve))
let conflicts = 0
for (let i = 0; i < Number(count); i++) {
  for (;;) {
    const org = await store.get(orgId)
    const r = await store.put({ ...org, subscriptionValidUntil: org.subscriptionValidUntil + 1, revision: org.revision + 1 }, org.revision)
    if (r.ok) break
    conflicts++
  }
}
await store.close()
console.log(JSON.stringify({ done: true, conflicts }))
process.exit(0)
`

// Round after round, on "go <round>", tries to move the organization from revision <round> to <round + 1>.
const raceWorker = `
import { createInterface } from 'node:readline'
const { createFileOrganizationStore } = await import(${JSON.stringify(storeUrl)})
const [directory, orgId] = process.argv.slice(2)
const store = await createFileOrganizationStore({ directory })
const base = await store.get(orgId)
console.log('ready')
for await (const line of createInterface({ input: process.stdin })) {
  const round = Number(line.split(' ')[1])
  const r = await store.put({ ...base, cloud: 'pid-' + process.pid, revision: round + 1 }, round)
  console.log(JSON.stringify({ round, ok: r.ok, currentRevision: r.ok ? round + 1 : r.currentRevision }))
}
await store.close()
`

// Writes large organizations in a loop until killed; every role's categories name the revision,
// so a document mixing two writes would be caught.
const crashWorker = `
const { createFileOrganizationStore } = await import(${JSON.stringify(storeUrl)})
const [directory, orgId, templateJson] = process.argv.slice(2)
const template = JSON.parse(templateJson)
const store = await createFileOrganizationStore({ directory })
console.log('ready')
for (;;) {
  const current = await store.get(orgId)
  const revision = (current?.revision ?? 0) + 1
  const apiRoles = {}
  for (let i = 0; i < 2000; i++) apiRoles['role-' + i] = Array.from({ length: 8 }, (_, j) => 'r' + revision + '-category-' + j)
  const r = await store.put({ ...template, apiRoles, revision }, current?.revision)
  if (r.ok) console.log('committed ' + revision)
}
`

const cleanups: (() => Promise<void>)[] = []
const workers: RunningWorker[] = []
afterEach(async () => {
  for (const w of workers.splice(0)) {
    w.child.kill('SIGKILL')
    await w.exited
  }
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

let scripts: { increment: string; race: string; crash: string }
beforeAll(async () => {
  const { dir, remove } = await makeTempDir('workers')
  scripts = {
    increment: await writeWorkerScript(dir, 'increment.mjs', incrementWorker),
    race: await writeWorkerScript(dir, 'race.mjs', raceWorker),
    crash: await writeWorkerScript(dir, 'crash.mjs', crashWorker),
  }
  return remove
})

async function storeDir(): Promise<string> {
  const { dir, remove } = await makeTempDir('shared-store')
  cleanups.push(remove)
  return dir
}

function start(script: string, args: readonly string[]): RunningWorker {
  const w = startWorker(script, args)
  workers.push(w)
  return w
}

describe('file store shared by several processes', () => {
  it('loses no update when 4 processes each increment 25 times with retry on conflict', async () => {
    const directory = await storeDir()
    const store = await createFileOrganizationStore({ directory })
    await store.put(sampleOrganization('acme', 1, { subscriptionValidUntil: 0 }), undefined)
    const children = Array.from({ length: 4 }, () => start(scripts.increment, [directory, 'acme', '25']))
    await Promise.all(children.map((c) => c.waitForLine((l) => l === 'ready')))
    for (const c of children) c.send('go')
    const reports = await Promise.all(children.map(async (c) => JSON.parse(await c.waitForLine((l) => l.startsWith('{'), 60_000)) as { conflicts: number }))
    const exits = await Promise.all(children.map((c) => c.exited))
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0, 0])
    const final = await store.get('acme')
    expect(final?.revision).toBe(1 + 4 * 25)
    expect(final?.subscriptionValidUntil).toBe(4 * 25)
    // The processes did contend (otherwise this test proves nothing about cross-process locking).
    expect(reports.reduce((n, r) => n + r.conflicts, 0)).toBeGreaterThan(0)
    expect(await readdir(directory)).toEqual(['acme.json'])
    await store.close()
  }, 60_000)

  it('lets exactly one of 4 processes win each of 10 races from the same revision', async () => {
    const directory = await storeDir()
    const store = await createFileOrganizationStore({ directory })
    await store.put(sampleOrganization('acme', 1), undefined)
    const children = Array.from({ length: 4 }, () => start(scripts.race, [directory, 'acme']))
    await Promise.all(children.map((c) => c.waitForLine((l) => l === 'ready')))
    for (let round = 1; round <= 10; round++) {
      for (const c of children) c.send(`go ${round}`)
      const results = await Promise.all(
        children.map(async (c) => JSON.parse(await c.waitForLine((l) => l.startsWith(`{"round":${round},`))) as { ok: boolean; currentRevision: number }),
      )
      expect(results.filter((r) => r.ok), `round ${round}`).toHaveLength(1)
      expect(results.map((r) => r.currentRevision)).toEqual([round + 1, round + 1, round + 1, round + 1])
      const winner = children[results.findIndex((r) => r.ok)]
      expect((await store.get('acme'))?.cloud).toBe(`pid-${winner?.child.pid}`)
    }
    for (const c of children) c.endInput()
    expect((await Promise.all(children.map((c) => c.exited))).map((e) => e.code)).toEqual([0, 0, 0, 0])
    await store.close()
  }, 60_000)

  it('always holds a whole document when writers are SIGKILLed at random moments (20 kills)', async () => {
    const directory = await storeDir()
    const template = sampleOrganization('acme', 1)
    let lastCommitted = 0
    let leftoversSeen = 0
    for (let kill = 0; kill < 20; kill++) {
      const child = start(scripts.crash, [directory, 'acme', JSON.stringify(template)])
      await child.waitForLine((l) => l === 'ready')
      // Every other round waits for one acknowledged write first, so progress across kills does
      // not depend on how loaded the machine is; the others kill at any moment, even before it.
      if (kill % 2 === 0) await child.waitForLine((l) => l.startsWith('committed '))
      await sleep(10 + Math.random() * 190)
      child.child.kill('SIGKILL')
      const exit = await child.exited
      expect(exit.signal).toBe('SIGKILL')
      const committed = child.lines.filter((l) => l.startsWith('committed ')).map((l) => Number(l.slice('committed '.length)))
      lastCommitted = committed.at(-1) ?? lastCommitted
      leftoversSeen += (await readdir(directory)).filter((n) => n !== 'acme.json').length

      // Opening also breaks the dead writer's lock and ignores its temp file.
      const store = await createFileOrganizationStore({ directory })
      const org = await store.get('acme')
      // Every acknowledged write survived; at most the one in flight at the kill went further.
      expect(org?.revision ?? 0).toBeGreaterThanOrEqual(lastCommitted)
      expect(org?.revision ?? 0).toBeLessThanOrEqual(lastCommitted + 1)
      if (org !== undefined) {
        lastCommitted = org.revision
        const categories = Object.values(org.apiRoles).flat()
        expect(categories).toHaveLength(2000 * 8)
        expect(categories.every((c) => c.startsWith(`r${org.revision}-`))).toBe(true)
        expect({ ...org, apiRoles: {}, revision: 1 }).toEqual({ ...template, apiRoles: {} })
      }
      expect(await store.list()).toEqual(org === undefined ? [] : ['acme'])
      await store.close()
    }
    // The writers made progress across kills (each new one broke the previous one's lock).
    expect(lastCommitted).toBeGreaterThanOrEqual(5)
    // Kills landed mid-write at least sometimes (a lock or temp file was left behind).
    expect(leftoversSeen).toBeGreaterThan(0)
  }, 120_000)
})
