/**
 * A {@link RedisConnection} over an ioredis client, for teams that already run ioredis: every
 * store of this package works on it unchanged. The package does not import ioredis: the adapter
 * takes the client you built, through the few members it uses ({@link IoredisClient}).
 *
 * @module
 */
import { StoreUnavailableError, type ConfigIssue } from '@tokenward/core'
import { RegistryConfigError } from '@tokenward/registry'
import { reporterOf, resubscribeSignal, timeoutsOf } from './connection-options.ts'
import { checkEvictionPolicy, messageOf, scriptRunner, withCommandTimeout, type RedisConnection, type RedisEvent } from './connection.ts'

/**
 * The members of an ioredis `Redis` client the adapter uses (an ioredis `Redis` fits as it is).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const client: IoredisClient = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false })
 * ```
 */
export interface IoredisClient {
  /** `wait`, `connecting`, `connect`, `ready`, `reconnecting`, `end`, … */
  readonly status: string
  connect(): Promise<unknown>
  call(command: string, args: string[]): Promise<unknown>
  duplicate(): IoredisClient
  subscribe(channel: string): Promise<unknown>
  unsubscribe(channel: string): Promise<unknown>
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off(event: string, listener: (...args: unknown[]) => void): unknown
  quit(): Promise<unknown>
}

/**
 * Options of {@link createIoredisConnection}.
 *
 * @example
 * ```ts
 * const options: IoredisConnectionOptions = { client: new Redis(url, { enableOfflineQueue: false }), commandTimeoutMs: 500 }
 * ```
 */
export interface IoredisConnectionOptions {
  /**
   * Your ioredis client. Build it with `enableOfflineQueue: false` so a command while Redis is
   * unreachable fails at once instead of waiting in a queue (the timeout below bounds it anyway).
   * `close()` quits it.
   */
  readonly client: IoredisClient
  /** A command not answered within this many milliseconds fails. Default 500. */
  readonly commandTimeoutMs?: number | undefined
  /** Waiting for the client to be ready at start gives up after this many milliseconds. Default 2000. */
  readonly connectTimeoutMs?: number | undefined
  /** Operational events (errors, resynchronisation, eviction-policy warning). Must not throw. */
  readonly onEvent?: ((event: RedisEvent) => void) | undefined
}

/**
 * Wraps an ioredis client as the connection every store of this package takes: commands with a
 * short timeout, scripts by `EVALSHA`, and the change feed's Pub/Sub on a duplicate of the client
 * (ioredis resubscribes after a reconnect; the feed then resynchronises by revision). Reports
 * `redis_eviction_policy_warning` unless `maxmemory-policy` is `noeviction`. Options are checked
 * first (`RegistryConfigError` names each bad field).
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis'
 * const connection = await createIoredisConnection({ client: new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false }) })
 * const store = createRedisOrganizationStore({ connection })
 * ```
 */
export async function createIoredisConnection(options: IoredisConnectionOptions): Promise<RedisConnection> {
  const issues: ConfigIssue[] = []
  const client = options.client
  if (client === undefined || typeof client.call !== 'function' || typeof client.duplicate !== 'function') issues.push({ path: 'client', message: 'must be an ioredis client (new Redis(…))' })
  const { commandTimeoutMs, connectTimeoutMs } = timeoutsOf(options, issues)
  if (issues.length > 0) throw new RegistryConfigError(issues)

  const report = reporterOf(options.onEvent)
  const onClientError = (e: unknown): void => report({ type: 'redis_error', operation: 'connection', message: messageOf(e) })
  client.on('error', onClientError)
  try {
    await whenReady(client, connectTimeoutMs)
  } catch (e) {
    client.off('error', onClientError)
    throw new StoreUnavailableError('Redis could not be reached through the ioredis client', { cause: e, retryAfterSeconds: 1 })
  }
  let subscriber: IoredisClient | undefined
  const command = (args: readonly string[]): Promise<unknown> => withCommandTimeout(args, commandTimeoutMs, client.call(args[0]!, args.slice(1)))
  const connection: RedisConnection = {
    command,
    script: scriptRunner(command),
    async subscribe(channel, onMessage, onResubscribed) {
      if (subscriber === undefined) {
        subscriber = client.duplicate()
        subscriber.on('error', (e: unknown) => report({ type: 'redis_error', operation: 'subscription', message: messageOf(e) }))
      }
      const sub = subscriber
      await whenReady(sub, connectTimeoutMs)
      const { lost: onLost, ready: onReady } = resubscribeSignal(onResubscribed)
      const onChannelMessage = (from: unknown, message: unknown): void => {
        if (from === channel) onMessage(String(message))
      }
      sub.on('close', onLost)
      sub.on('reconnecting', onLost)
      sub.on('ready', onReady)
      sub.on('message', onChannelMessage)
      await sub.subscribe(channel)
      return async () => {
        sub.off('close', onLost)
        sub.off('reconnecting', onLost)
        sub.off('ready', onReady)
        sub.off('message', onChannelMessage)
        await sub.unsubscribe(channel).catch(() => undefined)
      }
    },
    report,
    async close() {
      client.off('error', onClientError)
      await Promise.allSettled([client.quit(), subscriber?.quit() ?? Promise.resolve()])
    },
  }
  await checkEvictionPolicy(command, report)
  return connection
}

/** Resolves once the client is `ready` (connecting it when it was built with `lazyConnect`). */
async function whenReady(client: IoredisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return
  if (client.status === 'wait') void client.connect().catch(() => undefined)
  await new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      clearTimeout(timer)
      client.off('ready', onReady)
      client.off('end', onEnd)
      if (error === undefined) resolve()
      else reject(error)
    }
    const onReady = (): void => done()
    const onEnd = (): void => done(new Error('The ioredis client ended before it was ready'))
    const timer = setTimeout(() => done(new Error(`The ioredis client was not ready within ${timeoutMs} ms`)), timeoutMs)
    client.on('ready', onReady)
    client.on('end', onEnd)
  })
}
