/**
 * The one seam between tokenward's Redis implementations and a Redis client library: a
 * {@link RedisConnection} sends a command (with a short timeout), runs a Lua script by its SHA
 * and subscribes to a channel. {@link createRedisConnection} builds one on node-redis; an
 * adapter for another client (ioredis) only has to implement the same four members.
 *
 * @module
 */
import { StoreUnavailableError, type ConfigIssue } from '@tokenward/core'
import { RegistryConfigError } from '@tokenward/registry'
import { createHash } from 'node:crypto'
import type { ConnectionOptions } from 'node:tls'
import { createClient } from 'redis'
import { reporterOf, resubscribeSignal, startupReconnectStrategy, timeoutsOf } from './connection-options.ts'

/**
 * What the Redis implementations tell an operator: a command or the subscription failed, the
 * subscription came back (and the change feed resynchronised), a counter failed open, or the
 * server's `maxmemory-policy` can evict state keys.
 *
 * @example
 * ```ts
 * const onEvent = (e: RedisEvent) => { if (e.type === 'redis_error') console.warn(e.operation, e.message) }
 * ```
 */
export type RedisEvent =
  | { readonly type: 'redis_error'; readonly operation: string; readonly message: string }
  | { readonly type: 'redis_feed_resynchronised'; readonly organizations: number }
  | { readonly type: 'redis_counter_failed_open'; readonly orgId: string; readonly message: string }
  | { readonly type: 'redis_eviction_policy_warning'; readonly policy: string }

/**
 * A connection to Redis as tokenward's stores use it. Every member rejects fast when Redis
 * cannot answer (no offline queue); the stores translate that into their own failure behaviour.
 *
 * @example
 * ```ts
 * const redis = await createRedisConnection({ url: 'redis://127.0.0.1:6379' })
 * await redis.command(['SET', 'k', 'v'])
 * await redis.close()
 * ```
 */
export interface RedisConnection {
  /** Sends one command; rejects after the command timeout. */
  command(args: readonly string[]): Promise<unknown>
  /** Runs `script` (by `EVALSHA`, loading it on `NOSCRIPT`) with these keys and arguments. */
  script(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>
  /**
   * Calls `onMessage` for each message on `channel`, and `onResubscribed` each time the
   * subscription is back after a lost connection (messages published meanwhile are lost: resync).
   * Resolves once subscribed; the returned function unsubscribes.
   */
  subscribe(channel: string, onMessage: (message: string) => void, onResubscribed: () => void): Promise<() => Promise<void>>
  /** Reports operational events (see {@link RedisEvent}); never throws. */
  report(event: RedisEvent): void
  /** Closes the connections. */
  close(): Promise<void>
}

/** Options of {@link createRedisConnection}. */
export interface RedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]` or `rediss://…` (TLS). */
  readonly url: string
  /** TLS options for `rediss://` (CA, client certificate, `servername`). */
  readonly tls?: ConnectionOptions | undefined
  /** A command not answered within this many milliseconds fails (the outcome of a write is then unknown). Default 500. */
  readonly commandTimeoutMs?: number | undefined
  /** Connecting gives up after this many milliseconds. Default 2000. */
  readonly connectTimeoutMs?: number | undefined
  /** Operational events (errors, resynchronisation, eviction-policy warning). Must not throw. */
  readonly onEvent?: ((event: RedisEvent) => void) | undefined
}

type NodeRedisClient = ReturnType<typeof createClient>

/**
 * Connects to Redis with node-redis: no offline queue (a command while disconnected fails at
 * once), a short command timeout, reconnection with backoff up to 1 s, and a second connection for
 * Pub/Sub. When Redis cannot be reached at start (three attempts) it rejects with
 * `StoreUnavailableError` instead of waiting. At start it reads `maxmemory-policy` and reports `redis_eviction_policy_warning` unless
 * it is `noeviction` (state keys must never be evicted); servers that refuse `CONFIG GET` are not
 * checked. Options are checked first (`RegistryConfigError` names each bad field).
 *
 * @example
 * ```ts
 * const redis = await createRedisConnection({ url: 'rediss://cache.internal:6380', tls: { ca: caPem }, onEvent: console.warn })
 * ```
 */
export async function createRedisConnection(options: RedisConnectionOptions): Promise<RedisConnection> {
  const issues: ConfigIssue[] = []
  let url: URL | undefined
  try {
    url = new URL(options.url)
  } catch {
    issues.push({ path: 'url', message: 'must be a redis:// or rediss:// URL' })
  }
  if (url !== undefined && url.protocol !== 'redis:' && url.protocol !== 'rediss:') issues.push({ path: 'url', message: 'must use redis: or rediss:' })
  if (options.tls !== undefined && url?.protocol !== 'rediss:') issues.push({ path: 'tls', message: 'is only used with a rediss:// URL' })
  const { commandTimeoutMs, connectTimeoutMs } = timeoutsOf(options, issues)
  if (issues.length > 0) throw new RegistryConfigError(issues)

  const report = reporterOf(options.onEvent)
  let connectedOnce = false
  const socket = {
    connectTimeout: connectTimeoutMs,
    reconnectStrategy: startupReconnectStrategy(() => connectedOnce),
    ...(url?.protocol === 'rediss:' ? { tls: true as const, ...options.tls } : {}),
  }
  const client: NodeRedisClient = createClient({ url: options.url, socket, disableOfflineQueue: true })
  client.on('error', (e: unknown) => report({ type: 'redis_error', operation: 'connection', message: messageOf(e) }))
  try {
    await client.connect()
  } catch (e) {
    await client.destroy?.()
    throw new StoreUnavailableError(`Redis could not be reached at ${url?.host ?? 'the given URL'}`, { cause: e, retryAfterSeconds: 1 })
  }
  connectedOnce = true
  const subscriber = client.duplicate()
  subscriber.on('error', (e: unknown) => report({ type: 'redis_error', operation: 'subscription', message: messageOf(e) }))
  let subscriberConnected: Promise<unknown> | undefined

  const command = (args: readonly string[]): Promise<unknown> => withCommandTimeout(args, commandTimeoutMs, client.sendCommand([...args]))

  const connection: RedisConnection = {
    command,
    script: scriptRunner(command),
    async subscribe(channel, onMessage, onResubscribed) {
      subscriberConnected ??= subscriber.connect()
      await subscriberConnected
      const { lost: onEnd, ready: onReady } = resubscribeSignal(onResubscribed)
      subscriber.on('error', onEnd)
      subscriber.on('end', onEnd)
      subscriber.on('reconnecting', onEnd)
      subscriber.on('ready', onReady)
      const listener = (message: string): void => onMessage(message)
      await subscriber.subscribe(channel, listener)
      return async () => {
        subscriber.off('error', onEnd)
        subscriber.off('end', onEnd)
        subscriber.off('reconnecting', onEnd)
        subscriber.off('ready', onReady)
        await subscriber.unsubscribe(channel, listener).catch(() => undefined)
      }
    },
    report,
    async close() {
      await Promise.allSettled([client.close(), subscriberConnected === undefined ? Promise.resolve() : subscriber.close()])
    },
  }

  await checkEvictionPolicy(command, report)
  return connection
}

/** Rejects when `reply` has not settled within `timeoutMs` (the command's outcome is then unknown). */
export function withCommandTimeout<T>(args: readonly string[], timeoutMs: number, reply: Promise<T>): Promise<T> {
  // One promise and one timer per command (not a race of two promises and a `finally`): this runs
  // on every round trip, and the simpler form costs ~1 µs less CPU per command (bench/scenarios/fleet.mjs).
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis did not answer ${args[0]} within ${timeoutMs} ms`)), timeoutMs)
    reply.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}

/** {@link RedisConnection.script} over a `command`: `EVALSHA`, and `EVAL` once on `NOSCRIPT`. */
export function scriptRunner(command: (args: readonly string[]) => Promise<unknown>): RedisConnection['script'] {
  const shas = new Map<string, string>()
  return async (script, keys, args) => {
    let sha = shas.get(script)
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex')
      shas.set(script, sha)
    }
    const tail = [String(keys.length), ...keys, ...args]
    try {
      return await command(['EVALSHA', sha, ...tail])
    } catch (e) {
      if (!messageOf(e).startsWith('NOSCRIPT')) throw e
      return command(['EVAL', script, ...tail])
    }
  }
}

/** Reads `maxmemory-policy` and reports `redis_eviction_policy_warning` unless it is `noeviction`. */
export async function checkEvictionPolicy(command: (args: readonly string[]) => Promise<unknown>, report: (event: RedisEvent) => void): Promise<void> {
  try {
    const reply = await command(['CONFIG', 'GET', 'maxmemory-policy'])
    const policy = configValue(reply)
    if (policy !== undefined && policy !== 'noeviction') report({ type: 'redis_eviction_policy_warning', policy })
  } catch {
    // Managed services often refuse CONFIG; the policy is then the operator's to check.
  }
}

/** `CONFIG GET` answers `[name, value]` (RESP2) or `{ name: value }` (RESP3). */
function configValue(reply: unknown): string | undefined {
  if (Array.isArray(reply)) return typeof reply[1] === 'string' ? reply[1] : undefined
  if (reply !== null && typeof reply === 'object') {
    const v = (reply as Record<string, unknown>)['maxmemory-policy']
    return typeof v === 'string' ? v : undefined
  }
  return undefined
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * Runs a store call; a Redis failure becomes `StoreUnavailableError` (503 with `Retry-After`),
 * reported as a `redis_error` event.
 */
export async function storeCommand<T>(connection: RedisConnection, operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (e) {
    connection.report({ type: 'redis_error', operation, message: messageOf(e) })
    throw new StoreUnavailableError(`Redis could not answer (${operation})`, { cause: e, retryAfterSeconds: 1 })
  }
}
