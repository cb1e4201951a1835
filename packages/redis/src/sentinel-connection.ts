/**
 * A {@link RedisConnection} to the master a Redis Sentinel deployment names, through node-redis's
 * sentinel client: commands follow the master across a failover.
 *
 * @module
 */
import { StoreUnavailableError, type ConfigIssue } from '@tokenward/core'
import { RegistryConfigError } from '@tokenward/registry'
import { createSentinel } from 'redis'
import { reporterOf, timeoutsOf } from './connection-options.ts'
import { checkEvictionPolicy, messageOf, scriptRunner, withCommandTimeout, type RedisConnection, type RedisEvent } from './connection.ts'

/**
 * Options of {@link createRedisSentinelConnection}.
 *
 * @example
 * ```ts
 * const options: RedisSentinelConnectionOptions = { name: 'mymaster', sentinels: ['redis://10.0.0.1:26379', 'redis://10.0.0.2:26379'] }
 * ```
 */
export interface RedisSentinelConnectionOptions {
  /** The master's name in the Sentinel configuration (`sentinel monitor <name> …`). */
  readonly name: string
  /** Some sentinels, as `redis://[[user]:password@]host:port` (credentials of the first apply to every sentinel). */
  readonly sentinels: readonly string[]
  /** Credentials of the master and replicas, when they need them. */
  readonly nodeAuth?: { readonly username?: string | undefined; readonly password: string } | undefined
  /** A command not answered within this many milliseconds fails. Default 500. */
  readonly commandTimeoutMs?: number | undefined
  /** Connecting to a node gives up after this many milliseconds. Default 2000. */
  readonly connectTimeoutMs?: number | undefined
  /** Operational events (errors, resynchronisation, eviction-policy warning). Must not throw. */
  readonly onEvent?: ((event: RedisEvent) => void) | undefined
}

/**
 * Connects to the master of a Redis Sentinel deployment with node-redis (`createSentinel`), with
 * the same behaviour as `createRedisConnection`: a short command timeout, `StoreUnavailableError`
 * at start when no sentinel or master answers, and the `maxmemory-policy` warning. After a
 * failover (a topology change) the change feed resynchronises by revision. Plain `redis://`
 * sentinels only (no TLS in this release).
 *
 * @example
 * ```ts
 * const connection = await createRedisSentinelConnection({ name: 'mymaster', sentinels: ['redis://10.0.0.1:26379'] })
 * const store = createRedisOrganizationStore({ connection })
 * ```
 */
export async function createRedisSentinelConnection(options: RedisSentinelConnectionOptions): Promise<RedisConnection> {
  const issues: ConfigIssue[] = []
  if (typeof options.name !== 'string' || options.name.length === 0) issues.push({ path: 'name', message: 'must name the master (sentinel monitor <name>)' })
  const sentinels: URL[] = []
  if (!Array.isArray(options.sentinels) || options.sentinels.length === 0) issues.push({ path: 'sentinels', message: 'must list at least one sentinel URL' })
  else {
    options.sentinels.forEach((text, i) => {
      let url: URL | undefined
      try {
        url = new URL(text)
      } catch {
        // reported below
      }
      if (url === undefined || url.protocol !== 'redis:' || url.port === '') issues.push({ path: `sentinels[${i}]`, message: 'must be a redis://host:port URL' })
      else sentinels.push(url)
    })
  }
  if (options.nodeAuth !== undefined && typeof options.nodeAuth.password !== 'string') issues.push({ path: 'nodeAuth.password', message: 'must be a string' })
  const { commandTimeoutMs, connectTimeoutMs } = timeoutsOf(options, issues)
  if (issues.length > 0) throw new RegistryConfigError(issues)

  const report = reporterOf(options.onEvent)
  const first = sentinels[0]!
  const socket = { connectTimeout: connectTimeoutMs }
  const sentinel = createSentinel({
    name: options.name,
    sentinelRootNodes: sentinels.map((u) => ({ host: u.hostname, port: Number(u.port) })),
    nodeClientOptions: {
      socket,
      disableOfflineQueue: true,
      ...(options.nodeAuth === undefined ? {} : { password: options.nodeAuth.password, ...(options.nodeAuth.username === undefined ? {} : { username: options.nodeAuth.username }) }),
    },
    sentinelClientOptions: {
      socket,
      ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
      ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
    },
  })
  sentinel.on('error', (e: unknown) => report({ type: 'redis_error', operation: 'connection', message: messageOf(e) }))
  try {
    await withCommandTimeout(['CONNECT'], connectTimeoutMs * 2, sentinel.connect())
  } catch (e) {
    await sentinel.destroy().catch(() => undefined)
    throw new StoreUnavailableError(`Redis Sentinel could not reach the master ${options.name} through ${sentinels.map((u) => u.host).join(', ')}`, { cause: e, retryAfterSeconds: 1 })
  }

  const command = (args: readonly string[]): Promise<unknown> => withCommandTimeout(args, commandTimeoutMs, sentinel.sendCommand(false, [...args]))
  const connection: RedisConnection = {
    command,
    script: scriptRunner(command),
    async subscribe(channel, onMessage, onResubscribed) {
      // A failover moves the subscription to the new master; messages in between may be lost.
      const onTopology = (): void => onResubscribed()
      sentinel.on('topology-change', onTopology)
      const listener = (message: string | Buffer): void => onMessage(String(message))
      await sentinel.subscribe(channel, listener)
      return async () => {
        sentinel.off('topology-change', onTopology)
        await sentinel.unsubscribe(channel, listener).catch(() => undefined)
      }
    },
    report,
    async close() {
      await sentinel.close().catch(() => undefined)
    },
  }
  await checkEvictionPolicy(command, report)
  return connection
}
