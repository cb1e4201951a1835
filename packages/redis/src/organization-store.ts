/**
 * The organization store on Redis, with the change feed: one hash per organization, written by a
 * Lua script that checks the revision, writes the document and publishes the change in one
 * atomic step.
 *
 * @module
 */
import type { Organization } from '@tokenward/core/organization'
import {
  StoreClosedError,
  StoreCorruptionError,
  assertPutArguments,
  assertStorableOrgId,
  type KeyFetchRecord,
  type OrganizationPutResult,
  type OrganizationStore,
} from '@tokenward/registry'
import { messageOf, storeCommand, type RedisConnection } from './connection.ts'
import { checkStoreOptions } from './store-options.ts'

/** Options of {@link createRedisOrganizationStore}. */
export interface RedisOrganizationStoreOptions {
  /** The connection (shared with the other Redis stores; closing the store leaves it open). */
  readonly connection: RedisConnection
  /** Prefix of every key and channel, so several deployments can share one Redis. Default `tokenward`. */
  readonly keyPrefix?: string | undefined
}

// KEYS[1] organization hash. ARGV: expected revision ('' = must not exist), next revision,
// document, channel, orgId. Returns {1} when written, {0, currentRevision} on a conflict.
const putScript = `
local current = redis.call('HGET', KEYS[1], 'rev')
if ARGV[1] == '' then
  if current then return {0, current} end
elseif current ~= ARGV[1] then
  if current then return {0, current} end
  return {0}
end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'doc', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. ARGV[2])
return {1}
`

// KEYS[1] key-fetch hash. ARGV: field, time (ms), bound. Keeps the later time, and at most
// `bound` records (the oldest go first, as mergeKeyFetchRecord does).
const recordFetchScript = `
local stored = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > stored then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if redis.call('HLEN', KEYS[1]) > tonumber(ARGV[3]) then
  local all = redis.call('HGETALL', KEYS[1])
  local oldest, oldestAt = nil, nil
  for i = 1, #all, 2 do
    local at = tonumber(all[i + 1])
    if oldestAt == nil or at < oldestAt then oldest, oldestAt = all[i], at end
  end
  redis.call('HDEL', KEYS[1], oldest)
end
return 1
`

/** At most this many key-fetch records per organization (as the other stores keep). */
const maxKeyFetchRecords = 64

/**
 * Creates an {@link OrganizationStore} on Redis, for a fleet of instances sharing one Redis.
 *
 * - **Compare-and-set** on `revision` in one Lua script, which also publishes `<orgId> <revision>`
 *   on the change channel: a change is never written without being announced.
 * - **Keys** are hash-tagged per organization (`{tokenward:org:<id>}`), so Redis Cluster works;
 *   the index of organization IDs is one set, added to before a creation is attempted (after an
 *   outage it may name an organization whose creation failed; `list` drops IDs with no document).
 * - **`watch`** is the change feed: writes through this store object are reported at once, other
 *   processes' writes through Pub/Sub (within milliseconds). After the subscription is lost and
 *   regained, every organization is reported once, so a reader re-checks each by `version` (the
 *   revision) and a message missed during the outage cannot leave it stale.
 * - **Failures**: any Redis error or timeout rejects with `StoreUnavailableError` (503). A write
 *   that timed out may or may not have landed (the script is atomic: all or nothing); re-read
 *   before retrying, as `changeOrganization` does.
 *
 * @example
 * ```ts
 * const connection = await createRedisConnection({ url: 'redis://127.0.0.1:6379' })
 * const store = createRedisOrganizationStore({ connection })
 * const registry = createRegistryVerifier({ store, organizationRecheckMs: 30_000 })
 * ```
 */
export function createRedisOrganizationStore(options: RedisOrganizationStoreOptions): OrganizationStore {
  const { redis, keys } = checkStoreOptions(options)
  const listeners = new Set<(orgId: string) => void>()
  /** The highest revision of each organization already reported to listeners. */
  const reported = new Map<string, number>()
  const inFlight = new Set<Promise<unknown>>()
  let closed = false
  let unsubscribe: Promise<(() => Promise<void>) | undefined> | undefined

  const track = <T>(p: Promise<T>): Promise<T> => {
    inFlight.add(p)
    void p.then(
      () => inFlight.delete(p),
      () => inFlight.delete(p),
    )
    return p
  }
  const guarded = <T>(operation: string, call: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new StoreClosedError())
    return track(storeCommand(redis, operation, call))
  }

  const notify = (orgId: string, revision: number | undefined): void => {
    if (revision !== undefined) {
      if ((reported.get(orgId) ?? 0) >= revision) return
      reported.set(orgId, revision)
    }
    for (const listener of listeners) listener(orgId)
  }

  /**
   * After the subscription is back: every organization is reported, so readers re-check each by
   * version. Retried (up to 1 s apart) until it succeeds: the command connection may come back
   * after the subscriber; meanwhile every organization already reported is marked at once.
   */
  const resynchronise = async (): Promise<void> => {
    for (const id of reported.keys()) notify(id, undefined)
    for (let attempt = 0; !closed; attempt++) {
      try {
        const ids = await list()
        for (const id of ids) notify(id, undefined)
        redis.report({ type: 'redis_feed_resynchronised', organizations: ids.length })
        return
      } catch (e) {
        redis.report({ type: 'redis_error', operation: 'resynchronise', message: messageOf(e) })
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** attempt, 1000)).unref())
      }
    }
  }

  const onMessage = (message: string): void => {
    const space = message.lastIndexOf(' ')
    const orgId = message.slice(0, space)
    const revision = Number(message.slice(space + 1))
    if (space <= 0 || !Number.isSafeInteger(revision)) return
    notify(orgId, revision)
  }

  const startFeed = (): void => {
    unsubscribe ??= redis.subscribe(keys.changes, onMessage, () => void resynchronise()).catch((e: unknown) => {
      redis.report({ type: 'redis_error', operation: 'subscribe', message: messageOf(e) })
      unsubscribe = undefined
      return undefined
    })
  }

  const parse = (orgId: string, text: unknown): Organization | undefined => {
    if (text === null || text === undefined) return undefined
    const where = `redis ${keys.organization(orgId)}`
    let value: unknown
    try {
      value = JSON.parse(String(text))
    } catch (e) {
      throw new StoreCorruptionError(where, 'not valid JSON', e)
    }
    const org = value as Organization
    if (typeof value !== 'object' || value === null || org.orgId !== orgId || !Number.isSafeInteger(org.revision)) {
      throw new StoreCorruptionError(where, 'not an organization document for this ID')
    }
    return org
  }

  const list = (): Promise<readonly string[]> =>
    guarded('list', async () => {
      const ids = ((await redis.command(['SMEMBERS', keys.index])) as string[]).slice().sort()
      if (ids.length === 0) return ids
      // Drop index entries whose creation never landed (see above); one round trip per 500 IDs.
      const present: string[] = []
      for (let i = 0; i < ids.length; i += 500) {
        const batch = ids.slice(i, i + 500)
        const exists = await Promise.all(batch.map((id) => redis.command(['HEXISTS', keys.organization(id), 'rev'])))
        batch.forEach((id, j) => {
          if (Number(exists[j]) === 1) present.push(id)
        })
      }
      return present
    })

  return {
    async get(orgId) {
      assertStorableOrgId(orgId)
      const text = await guarded('get', () => redis.command(['HGET', keys.organization(orgId), 'doc']))
      return parse(orgId, text)
    },

    async put(next, expectedRevision): Promise<OrganizationPutResult> {
      assertPutArguments(next, expectedRevision)
      const document = JSON.stringify(next)
      const reply = (await guarded('put', async () => {
        if (expectedRevision === undefined) await redis.command(['SADD', keys.index, next.orgId])
        return redis.script(putScript, [keys.organization(next.orgId)], [
          expectedRevision === undefined ? '' : String(expectedRevision),
          String(next.revision),
          document,
          keys.changes,
          next.orgId,
        ])
      })) as unknown[]
      if (Number(reply[0]) === 1) {
        notify(next.orgId, next.revision)
        return { ok: true }
      }
      const current = reply[1]
      return { ok: false, reason: 'conflict', currentRevision: current === undefined || current === null ? undefined : Number(current) }
    },

    list,

    async version(orgId) {
      assertStorableOrgId(orgId)
      const rev = await guarded('version', () => redis.command(['HGET', keys.organization(orgId), 'rev']))
      return rev === null || rev === undefined ? undefined : String(rev)
    },

    watch(listener) {
      listeners.add(listener)
      if (!closed) startFeed()
      return () => void listeners.delete(listener)
    },

    async keyFetches(orgId): Promise<readonly KeyFetchRecord[]> {
      assertStorableOrgId(orgId)
      const flat = (await guarded('keyFetches', () => redis.command(['HGETALL', keys.keyFetches(orgId)]))) as unknown
      const pairs: [string, string][] = Array.isArray(flat)
        ? Array.from({ length: flat.length / 2 }, (_, i) => [String(flat[2 * i]), String(flat[2 * i + 1])])
        : Object.entries((flat ?? {}) as Record<string, string>).map(([k, v]) => [k, String(v)])
      return pairs
        .map(([field, at]) => {
          const cut = field.indexOf('\n')
          return { serverName: field.slice(0, cut), jwksUrl: field.slice(cut + 1), lastSuccessfulFetchAt: Number(at) }
        })
        .sort((a, b) => a.lastSuccessfulFetchAt - b.lastSuccessfulFetchAt)
    },

    async recordKeyFetch(orgId, record) {
      assertStorableOrgId(orgId)
      await guarded('recordKeyFetch', () =>
        redis.script(recordFetchScript, [keys.keyFetches(orgId)], [`${record.serverName}\n${record.jwksUrl}`, String(record.lastSuccessfulFetchAt), String(maxKeyFetchRecords)]),
      )
    },

    async close() {
      if (closed) return
      closed = true
      listeners.clear()
      await Promise.allSettled([...inFlight])
      const stop = await unsubscribe
      await stop?.()
    },
  }
}
