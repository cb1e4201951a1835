/**
 * A {@link RedisConnection} to a Redis Cluster through node-redis's cluster client: each command
 * goes to the node that owns its key's slot (every tokenward command names one key, or one
 * hash-tagged group of keys), Pub/Sub messages reach every node.
 *
 * @module
 */
import { StoreUnavailableError, type ConfigIssue } from '@tokenward/core'
import { RegistryConfigError } from '@tokenward/registry'
import type { ConnectionOptions } from 'node:tls'
import { createCluster } from 'redis'
import { reporterOf, resubscribeSignal, startupReconnectStrategy, timeoutsOf } from './connection-options.ts'
import { checkEvictionPolicy, messageOf, scriptRunner, withCommandTimeout, type RedisConnection, type RedisEvent } from './connection.ts'

/**
 * Options of {@link createRedisClusterConnection}.
 *
 * @example
 * ```ts
 * const options: RedisClusterConnectionOptions = { rootNodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] }
 * ```
 */
export interface RedisClusterConnectionOptions {
  /**
   * Some nodes of the cluster (`redis://[[user]:password@]host:port` or `rediss://…`); the others
   * are discovered. Credentials and TLS of the first apply to every node.
   */
  readonly rootNodes: readonly string[]
  /** TLS options for `rediss://` nodes (CA, client certificate). */
  readonly tls?: ConnectionOptions | undefined
  /** A command not answered within this many milliseconds fails. Default 500. */
  readonly commandTimeoutMs?: number | undefined
  /** Connecting to a node gives up after this many milliseconds. Default 2000. */
  readonly connectTimeoutMs?: number | undefined
  /** Operational events (errors, resynchronisation, eviction-policy warning). Must not throw. */
  readonly onEvent?: ((event: RedisEvent) => void) | undefined
}

/** The key a command is routed by: tokenward's commands name it first (scripts: their first key). */
function firstKeyOf(args: readonly string[]): string | undefined {
  const name = args[0]?.toUpperCase()
  if (name === 'EVAL' || name === 'EVALSHA') return Number(args[2]) > 0 ? args[3] : undefined
  if (name === 'CONFIG' || name === 'PING' || name === 'INFO' || name === 'KEYS' || name === 'DBSIZE' || name === 'PUBLISH') return undefined
  return args[1]
}

/**
 * Connects to a Redis Cluster with node-redis (`createCluster`), with the same behaviour as
 * `createRedisConnection`: no offline queue, a short command timeout, reconnection with backoff up
 * to 1 s, `StoreUnavailableError` at start when no node answers, and the `maxmemory-policy`
 * warning. Every store of this package works on it unchanged: their keys are hash-tagged, so what
 * one Lua script touches lives in one slot. The change feed uses classic Pub/Sub, which the
 * cluster delivers to every node; when a node reconnects, the feed resynchronises by revision.
 *
 * @example
 * ```ts
 * const connection = await createRedisClusterConnection({ rootNodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] })
 * const store = createRedisOrganizationStore({ connection })
 * ```
 */
export async function createRedisClusterConnection(options: RedisClusterConnectionOptions): Promise<RedisConnection> {
  const issues: ConfigIssue[] = []
  const nodes: URL[] = []
  if (!Array.isArray(options.rootNodes) || options.rootNodes.length === 0) issues.push({ path: 'rootNodes', message: 'must list at least one node URL' })
  else {
    options.rootNodes.forEach((text, i) => {
      let url: URL | undefined
      try {
        url = new URL(text)
      } catch {
        // reported below
      }
      if (url === undefined || (url.protocol !== 'redis:' && url.protocol !== 'rediss:')) issues.push({ path: `rootNodes[${i}]`, message: 'must be a redis:// or rediss:// URL' })
      else nodes.push(url)
    })
    if (nodes.length === options.rootNodes.length && new Set(nodes.map((u) => u.protocol)).size > 1) issues.push({ path: 'rootNodes', message: 'must all use redis: or all rediss:' })
  }
  const tlsOn = nodes[0]?.protocol === 'rediss:'
  if (options.tls !== undefined && !tlsOn) issues.push({ path: 'tls', message: 'is only used with rediss:// nodes' })
  const { commandTimeoutMs, connectTimeoutMs } = timeoutsOf(options, issues)
  if (issues.length > 0) throw new RegistryConfigError(issues)

  const report = reporterOf(options.onEvent)
  let connectedOnce = false
  const first = nodes[0]!
  const cluster = createCluster({
    rootNodes: nodes.map((u) => ({ url: u.href })),
    defaults: {
      ...(first.username === '' ? {} : { username: decodeURIComponent(first.username) }),
      ...(first.password === '' ? {} : { password: decodeURIComponent(first.password) }),
      disableOfflineQueue: true,
      socket: {
        connectTimeout: connectTimeoutMs,
        reconnectStrategy: startupReconnectStrategy(() => connectedOnce),
        ...(tlsOn ? { tls: true as const, ...options.tls } : {}),
      },
    },
  })
  cluster.on('error', (e: unknown) => report({ type: 'redis_error', operation: 'connection', message: messageOf(e) }))
  cluster.on('node-error', (e: unknown) => report({ type: 'redis_error', operation: 'connection', message: messageOf(e) }))
  try {
    await cluster.connect()
  } catch (e) {
    await cluster.destroy?.()
    throw new StoreUnavailableError(`The Redis Cluster could not be reached at ${nodes.map((u) => u.host).join(', ')}`, { cause: e, retryAfterSeconds: 1 })
  }
  connectedOnce = true

  const command = (args: readonly string[]): Promise<unknown> => withCommandTimeout(args, commandTimeoutMs, cluster.sendCommand(firstKeyOf(args), false, [...args]))
  const connection: RedisConnection = {
    command,
    script: scriptRunner(command),
    async subscribe(channel, onMessage, onResubscribed) {
      // Any node that lost its connection and came back may have carried the subscription:
      // resynchronise by revision then (cheap, and a missed message cannot leave us stale).
      const { lost: onLost, ready: onReady } = resubscribeSignal(onResubscribed)
      cluster.on('node-reconnecting', onLost)
      cluster.on('node-disconnect', onLost)
      cluster.on('node-ready', onReady)
      const listener = (message: string | Buffer): void => onMessage(String(message))
      await cluster.subscribe(channel, listener)
      return async () => {
        cluster.off('node-reconnecting', onLost)
        cluster.off('node-disconnect', onLost)
        cluster.off('node-ready', onReady)
        await cluster.unsubscribe(channel, listener).catch(() => undefined)
      }
    },
    report,
    async close() {
      await cluster.close().catch(() => undefined)
    },
  }
  await checkEvictionPolicy(command, report)
  return connection
}
