// Test support: a real redis-server (the Debian package) on a free loopback port with a temporary
// directory and no persistence. Never a mock. Not part of the package (excluded from builds).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Whether `redis-server` is on the PATH (CI installs it; see .ci/run). */
export const redisServerInstalled = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0))
    })
  })
}

/** A running redis-server; `stop` kills it for good, `kill` + `start` simulate an outage on the same port. */
export interface TestRedisServer {
  readonly url: string
  readonly port: number
  /** Kills the server (SIGKILL), as a crash would. */
  kill(): Promise<void>
  /** Starts it again on the same port (empty: no persistence). */
  start(): Promise<void>
  /** Kills it and removes its directory. */
  stop(): Promise<void>
}

/** Starts redis-server on a free port; resolves once it accepts connections. */
export async function startRedisServer(extraArgs: readonly string[] = []): Promise<TestRedisServer> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-redis-'))
  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--maxmemory-policy', 'noeviction', ...extraArgs]
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    child = proc
    await new Promise<void>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 5000)
      proc.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer)
          resolve()
        }
      })
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`redis-server exited with ${code}: ${out}`))
      })
    })
  }
  const kill = async (): Promise<void> => {
    const proc = child
    child = undefined
    if (proc === undefined || proc.exitCode !== null) return
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve())
      proc.kill('SIGKILL')
    })
  }
  await start()
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    kill,
    start,
    async stop() {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A running three-master Redis Cluster on loopback; `stop` kills every node and removes their directories. */
export interface TestRedisCluster {
  readonly rootNodes: readonly string[]
  stop(): Promise<void>
}

/** Whether `redis-cli` is on the PATH (it builds the cluster). */
export const redisCliInstalled = spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0

/**
 * Starts three `redis-server --cluster-enabled yes` nodes on free ports, joins them with
 * `redis-cli --cluster create … --cluster-yes` (no replicas) and waits until every node reports
 * `cluster_state:ok`.
 */
export async function startRedisCluster(): Promise<TestRedisCluster> {
  const nodes: TestRedisServer[] = []
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((n) => n.stop()))
  }
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startRedisServer(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']))
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`)
    const created = spawnSync('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes'], { encoding: 'utf8', timeout: 15_000 })
    if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`)
    const until = Date.now() + 15_000
    for (const n of nodes) {
      for (;;) {
        const info = spawnSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], { encoding: 'utf8' }).stdout
        if (info.includes('cluster_state:ok')) break
        if (Date.now() > until) throw new Error(`cluster node ${n.port} did not reach cluster_state:ok`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
    return { rootNodes: nodes.map((n) => n.url), stop }
  } catch (e) {
    await stop()
    throw e
  }
}

/** A running Sentinel monitoring `master` under the name `mymaster`; `stop` kills it and removes its directory. */
export interface TestRedisSentinel {
  readonly url: string
  readonly name: string
  stop(): Promise<void>
}

/**
 * Starts `redis-server <conf> --sentinel` on a free port, monitoring the master on `masterPort`
 * (quorum 1). `downAfterMs` is how long the master may be silent before failover (default 2000);
 * `readyWhen` is the sentinel log text to wait for (default `+monitor`; `+slave` once a replica is known).
 */
export async function startRedisSentinel(masterPort: number, { downAfterMs = 2000, readyWhen = '+monitor' }: { downAfterMs?: number; readyWhen?: string } = {}): Promise<TestRedisSentinel> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'tokenward-sentinel-'))
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor mymaster 127.0.0.1 ${masterPort} 1`, `sentinel down-after-milliseconds mymaster ${downAfterMs}`, 'sentinel failover-timeout mymaster 10000', ''].join('\n'))
  const proc = spawn('redis-server', [conf, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`redis sentinel did not start: ${out}`)), 10_000)
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes(readyWhen)) {
        clearTimeout(timer)
        resolve()
      }
    })
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`redis sentinel exited with ${code}: ${out}`))
    })
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    name: 'mymaster',
    async stop() {
      if (proc.exitCode === null) {
        await new Promise<void>((resolve) => {
          proc.once('exit', () => resolve())
          proc.kill('SIGKILL')
        })
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
