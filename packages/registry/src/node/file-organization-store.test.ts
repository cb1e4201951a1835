import { randomUUID } from 'node:crypto'
import { spawn } from 'node:child_process'
import { readdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { RegistryConfigError, StoreCorruptionError, StoreLockTimeoutError } from '../errors.ts'
import { describeOrganizationStoreContract, sampleOrganization } from '../store/organization-store-contract.test-support.ts'
import { makeTempDir } from './child-process.test-support.ts'
import { createFileOrganizationStore, type FileOrganizationStoreOptions } from './file-organization-store.ts'

describeOrganizationStoreContract('file store', async () => {
  const { dir, remove } = await makeTempDir('store')
  return { store: await createFileOrganizationStore({ directory: dir }), cleanup: remove }
})

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function openStore(options: Partial<FileOrganizationStoreOptions> = {}) {
  const { dir, remove } = await makeTempDir('store')
  cleanups.push(remove)
  const store = await createFileOrganizationStore({ directory: dir, ...options })
  cleanups.push(() => store.close())
  return { dir, store }
}

/** The PID of a process that has exited and been reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('close', resolve))
  if (child.pid === undefined) throw new Error('no pid')
  return child.pid
}

const lockRecord = (pid: number, host = hostname()) => JSON.stringify({ pid, host, token: 'left-behind', createdAt: '2020-01-01T00:00:00Z' })
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000)

describe('createFileOrganizationStore', () => {
  it('keeps organizations across store instances, one readable JSON file each, and nothing else behind', async () => {
    const { dir, store } = await openStore()
    await store.put(sampleOrganization('acme', 1), undefined)
    await store.put(sampleOrganization('acme', 2, { cloud: 'second' }), 1)
    await store.put(sampleOrganization('beta', 1), undefined)
    expect((await readdir(dir)).sort()).toEqual(['acme.json', 'beta.json'])
    const text = await readFile(join(dir, 'acme.json'), 'utf8')
    expect(text).toContain('\n  "orgId": "acme"')
    expect(JSON.parse(text)).toEqual(sampleOrganization('acme', 2, { cloud: 'second' }))
    const reopened = await createFileOrganizationStore({ directory: dir })
    expect(await reopened.get('acme')).toEqual(sampleOrganization('acme', 2, { cloud: 'second' }))
    expect(await reopened.put(sampleOrganization('acme', 2), 1)).toEqual({ ok: false, reason: 'conflict', currentRevision: 2 })
    await reopened.close()
  })

  it('creates its directory, with parents', async () => {
    const { dir } = await openStore()
    const nested = join(dir, 'a', 'b')
    const store = await createFileOrganizationStore({ directory: nested })
    await store.put(sampleOrganization('acme', 1), undefined)
    expect(await readdir(nested)).toEqual(['acme.json'])
    await store.close()
  })

  it('lists only organization files, ignoring temp files, locks and strangers', async () => {
    const { dir, store } = await openStore()
    await store.put(sampleOrganization('acme', 1), undefined)
    for (const name of ['acme.json.0b1c.tmp', 'beta.lock', 'notes.txt', '..json', 'bad name.json', 'acme.lock.9f.stale']) {
      await writeFile(join(dir, name), 'x')
    }
    expect(await store.list()).toEqual(['acme'])
  })

  it.each([
    ['torn JSON', '{"orgId": "acme", "revis', 'not valid JSON'],
    ['an empty file', '', 'not valid JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['another organization', JSON.stringify(sampleOrganization('beta', 1)), 'holds orgId "beta"'],
    ['a zero revision', JSON.stringify(sampleOrganization('acme', 0)), 'revision 0'],
    ['a string revision', JSON.stringify({ ...sampleOrganization('acme', 1), revision: '1' }), 'revision "1"'],
  ])('reports %s as StoreCorruptionError naming the file, in get and put', async (_, content, reason) => {
    const { dir, store } = await openStore()
    const path = join(dir, 'acme.json')
    await writeFile(path, content)
    const fromGet = await store.get('acme').catch((e: unknown) => e)
    expect(fromGet).toBeInstanceOf(StoreCorruptionError)
    expect(fromGet).toMatchObject({ code: 'store_corrupt', path })
    expect((fromGet as Error).message).toContain(reason)
    await expect(store.put(sampleOrganization('acme', 2), 1)).rejects.toBeInstanceOf(StoreCorruptionError)
    expect(await readFile(path, 'utf8')).toBe(content)
    expect(await store.list()).toEqual(['acme'])
  })

  it('removes old temp and broken-lock files when opened, and keeps young ones (a live writer may own them)', async () => {
    const { dir } = await openStore()
    const [u1, u2, u3] = [randomUUID(), randomUUID(), randomUUID()]
    const [oldTmp, oldStale, youngTmp] = [`acme.json.${u1}.tmp`, `acme.lock.${u2}.stale`, `acme.json.${u3}.tmp`]
    for (const name of [oldTmp, oldStale, youngTmp]) await writeFile(join(dir, name), '{"orgId":')
    await utimes(join(dir, oldTmp), minutesAgo(5), minutesAgo(5))
    await utimes(join(dir, oldStale), minutesAgo(5), minutesAgo(5))
    const store = await createFileOrganizationStore({ directory: dir })
    expect((await readdir(dir)).sort()).toEqual([youngTmp])
    expect(await store.get('acme')).toBeUndefined()
    await store.close()
  })

  // Before, every old `*.tmp` and `*.stale` in the directory was deleted and every `*.lock` broken.
  it('touches only names it writes itself: an operator’s old files in the directory are left alone', async () => {
    const { dir } = await openStore()
    const operatorFiles = [
      'notes.tmp',
      'backup.stale',
      'acme.json.old.tmp',
      'acme.json.bak.tmp',
      'acme.lock.old.stale',
      `bad name.json.${randomUUID()}.tmp`,
      `acme.json.${randomUUID().toUpperCase()}.tmp`,
      'deploy.lock.old',
      'my deploy.lock',
      '..lock',
    ]
    for (const name of operatorFiles) {
      await writeFile(join(dir, name), 'operator data')
      await utimes(join(dir, name), minutesAgo(60), minutesAgo(60))
    }
    const store = await createFileOrganizationStore({ directory: dir, staleLockMs: 1000 })
    expect((await readdir(dir)).sort()).toEqual([...operatorFiles].sort())
    await store.close()
  })

  describe('a lock left behind', () => {
    it('by a dead process on this host is broken at once', async () => {
      const { dir, store } = await openStore({ lockTimeoutMs: 2000 })
      await writeFile(join(dir, 'acme.lock'), lockRecord(await deadPid()))
      const started = Date.now()
      expect(await store.put(sampleOrganization('acme', 1), undefined)).toEqual({ ok: true })
      expect(Date.now() - started).toBeLessThan(1000)
      expect(await readdir(dir)).toEqual(['acme.json'])
    })

    it('by a dead process is also broken when the store is opened', async () => {
      const { dir } = await openStore()
      await writeFile(join(dir, 'acme.lock'), lockRecord(await deadPid()))
      const store = await createFileOrganizationStore({ directory: dir })
      expect(await readdir(dir)).toEqual([])
      await store.close()
    })

    it.each([
      ['a live process', () => lockRecord(process.ppid)],
      ['our own process ID (another copy of the module, or an earlier process with our PID)', () => lockRecord(process.pid)],
      ['another host', () => lockRecord(1, 'elsewhere.example')],
      ['a writer that never wrote its record', () => ''],
    ])('by %s is respected until it is older than staleLockMs', async (_, record) => {
      const { dir, store } = await openStore({ lockTimeoutMs: 150, staleLockMs: 60_000 })
      const lockPath = join(dir, 'acme.lock')
      await writeFile(lockPath, record())
      const timeout = await store.put(sampleOrganization('acme', 1), undefined).catch((e: unknown) => e)
      expect(timeout).toBeInstanceOf(StoreLockTimeoutError)
      expect(timeout).toMatchObject({ code: 'store_lock_timeout', path: lockPath })
      expect(await store.get('acme')).toBeUndefined()
      await utimes(lockPath, minutesAgo(2), minutesAgo(2))
      expect(await store.put(sampleOrganization('acme', 1), undefined)).toEqual({ ok: true })
    })

    it('by a dead process is only broken by age when ownerPidCheck is off', async () => {
      const { dir, store } = await openStore({ lockTimeoutMs: 150, ownerPidCheck: false })
      await writeFile(join(dir, 'acme.lock'), lockRecord(await deadPid()))
      await expect(store.put(sampleOrganization('acme', 1), undefined)).rejects.toBeInstanceOf(StoreLockTimeoutError)
    })
  })

  it('waits for pending calls on close', async () => {
    const { store } = await openStore()
    const pending = store.put(sampleOrganization('acme', 1), undefined)
    await store.close()
    expect(await pending).toEqual({ ok: true })
  })

  it('names every bad option', async () => {
    const error = await createFileOrganizationStore({ directory: '', staleLockMs: 0, lockTimeoutMs: -1 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RegistryConfigError)
    expect((error as RegistryConfigError).issues.map((i) => i.path)).toEqual(['directory', 'staleLockMs', 'lockTimeoutMs'])
  })
})
