/**
 * What every connection factory of this package (node-redis, Cluster, Sentinel, ioredis) does the
 * same way: the timeout options and their defaults, the `report` that never lets `onEvent` throw,
 * the start-up reconnection rule, and the "lost, then ready again → resynchronise" signal of a
 * subscription. Each factory keeps only what differs (URLs, the client, routing, Pub/Sub events).
 *
 * @module
 */
import type { ConfigIssue } from '@tokenward/core'
import type { RedisEvent } from './connection.ts'

/** The timeout options every connection factory takes. */
interface TimeoutOptions {
  readonly commandTimeoutMs?: number | undefined
  readonly connectTimeoutMs?: number | undefined
}

/**
 * `commandTimeoutMs` (default 500) and `connectTimeoutMs` (default 2000), each pushed to `issues`
 * when it is not a positive number.
 */
export function timeoutsOf(options: TimeoutOptions, issues: ConfigIssue[]): { commandTimeoutMs: number; connectTimeoutMs: number } {
  const commandTimeoutMs = options.commandTimeoutMs ?? 500
  const connectTimeoutMs = options.connectTimeoutMs ?? 2000
  if (!(Number.isFinite(commandTimeoutMs) && commandTimeoutMs > 0)) issues.push({ path: 'commandTimeoutMs', message: 'must be a positive number' })
  if (!(Number.isFinite(connectTimeoutMs) && connectTimeoutMs > 0)) issues.push({ path: 'connectTimeoutMs', message: 'must be a positive number' })
  return { commandTimeoutMs, connectTimeoutMs }
}

/** The connection's `report`: hands the event to `onEvent`, which must not throw (a throw is swallowed). */
export function reporterOf(onEvent: ((event: RedisEvent) => void) | undefined): (event: RedisEvent) => void {
  return (event) => {
    try {
      onEvent?.(event)
    } catch {
      // onEvent must not throw.
    }
  }
}

/**
 * node-redis's `reconnectStrategy`: before the first connection, give up after a few attempts
 * (start-up must not hang on an unreachable Redis); once connected, reconnect forever with backoff
 * up to 1 s.
 */
export function startupReconnectStrategy(connectedOnce: () => boolean): (retries: number, cause: Error) => number | Error {
  return (retries, cause) => (connectedOnce() || retries < 2 ? Math.min(50 * 2 ** retries, 1000) : cause)
}

/**
 * The two listeners of a subscription that resynchronises after a reconnect: `lost` on a
 * disconnect, `ready` when the client is ready again, which calls `onResubscribed` once per loss.
 */
export function resubscribeSignal(onResubscribed: () => void): { readonly lost: () => void; readonly ready: () => void } {
  let lost = false
  return {
    lost: () => {
      lost = true
    },
    ready: () => {
      if (!lost) return
      lost = false
      onResubscribed()
    },
  }
}
