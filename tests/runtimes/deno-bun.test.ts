// @tokenward/web in real Deno and Bun processes, importing the BUILT packages the way each runtime
// resolves them from the workspace node_modules (`npm test` builds first; by hand:
// `npm run build:packages`). Each runtime serves tests/runtimes/runtime-app.mts twice: once with
// `@tokenward/core` as the runtime resolves it, once with core's Web build (WebCrypto + fetch)
// loaded by file URL, so both builds are exercised in both runtimes.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, now, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
const here = fileURLToPath(new URL('.', import.meta.url))
const bin = (name: string): string => join(root, 'node_modules', '.bin', name)

interface Runtime {
  readonly name: 'deno' | 'bun'
  readonly command: string
  readonly args: readonly string[]
}

const runtimes: readonly Runtime[] = [
  {
    name: 'deno',
    command: bin('deno'),
    // manual: use the workspace node_modules as is (no npm registry); no lock file written; network
    // limited to loopback.
    args: ['run', '--node-modules-dir=manual', '--no-lock', '--allow-net=127.0.0.1', '--allow-env', '--allow-read', join(here, 'deno-server.mts')],
  },
  // --no-install: never fetch a missing package from a registry.
  { name: 'bun', command: bin('bun'), args: ['--no-install', join(here, 'bun-server.mts')] },
]
const coreBuilds = ['package', 'web-build'] as const

const startupTimeoutMs = 20_000
const requestTimeoutMs = 10_000
const children = new Set<ChildProcess>()
// Last resort should the worker exit without running afterAll.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

let key: TestKey
/** JWKS requests the runtimes made, by path (each server gets its own path). */
const jwksRequests: { path: string; headers: IncomingHttpHeaders }[] = []
let jwksServer: Server
let jwksBase: string

beforeAll(async () => {
  key = await makeKey('ES256', 'k1')
  jwksServer = createServer((req, res) => {
    jwksRequests.push({ path: req.url ?? '', headers: req.headers })
    res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300' }).end(JSON.stringify({ keys: [key.publicJwk] }))
  })
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve))
  const address = jwksServer.address()
  if (address === null || typeof address === 'string') throw new Error('JWKS server has no port')
  jwksBase = `http://127.0.0.1:${address.port}`
})
afterAll(async () => {
  jwksServer.closeAllConnections()
  await new Promise<void>((resolve) => jwksServer.close(() => resolve()))
})

/** Starts a runtime server; resolves with its port (the first stdout line). */
function start(runtime: Runtime, env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  if (!existsSync(runtime.command)) {
    throw new Error(`${runtime.name} is not installed at ${runtime.command}: run npm install (the ${runtime.name} devDependency provides it)`)
  }
  if (!existsSync(join(root, 'packages/web/dist/index.js')) || !existsSync(join(root, 'packages/core/dist/web/index.js'))) {
    throw new Error('The packages are not built: run `npm run build:packages` (npm test does it first)')
  }
  const child = spawn(runtime.command, runtime.args, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' },
  })
  children.add(child)
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${runtime.name} server ${why}\nstdout: ${stdout}\nstderr: ${stderr}`))
    }
    const timer = setTimeout(() => fail(`printed no port within ${startupTimeoutMs} ms`), startupTimeoutMs)
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const newline = stdout.indexOf('\n')
      if (newline === -1) return
      const port = Number(stdout.slice(0, newline).trim())
      if (!Number.isInteger(port) || port <= 0) return fail(`printed ${JSON.stringify(stdout.slice(0, newline))} instead of a port`)
      clearTimeout(timer)
      resolve({ child, port })
    })
    child.once('error', (error) => fail(`could not start: ${error.message}`))
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`))
  })
}

/** Stops a server: SIGTERM, then SIGKILL if it has not exited within 5 s. */
async function stop(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined) return
  children.delete(child)
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** A GET through node:http, so a header can be sent twice as two header lines. */
function get(port: number, path: string, headers: Record<string, string | string[]> = {}): Promise<{ status: number; headers: IncomingHttpHeaders; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, timeout: requestTimeoutMs }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (text += chunk))
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> })
        } catch {
          reject(new Error(`GET ${path}: ${res.statusCode} with a body that is not JSON: ${text.slice(0, 200)}`))
        }
      })
    })
    req.once('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${requestTimeoutMs} ms`)))
    req.once('error', reject)
    req.end()
  })
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
const expired = () => mint(key, { claims: { exp: now() - 3600, iat: now() - 7200 } })

describe.each(runtimes)('$name', (runtime) => {
  describe.each(coreBuilds)('with core %s', (coreBuild) => {
    const jwksPath = `/jwks/${runtime.name}-${coreBuild}`
    let child: ChildProcess | undefined
    let port: number

    beforeAll(async () => {
      ;({ child, port } = await start(runtime, {
        TOKENWARD_JWK: JSON.stringify(key.publicJwk),
        TOKENWARD_JWKS_URL: `${jwksBase}${jwksPath}`,
        TOKENWARD_CORE_BUILD: coreBuild,
      }))
    }, startupTimeoutMs + 5000)
    afterAll(() => stop(child), 10_000)

    it('valid token → 200, the handler gets the token', async () => {
      const r = await get(port, '/orders', bearer(await mint(key)))
      expect(r.status).toBe(200)
      expect(r.body).toEqual({ clientId: 'client-1', adminId: 'oauth-ReadOnly$@12345.zscloud.net' })
    })

    it('missing token → 401 with a bare Bearer challenge', async () => {
      const r = await get(port, '/orders')
      expect(r.status).toBe(401)
      expect(r.headers['www-authenticate']).toBe('Bearer')
      expect(r.body).toMatchObject({ error: 'unauthorized', code: 'missing_token' })
    })

    it('expired token → 401 invalid_token', async () => {
      const r = await get(port, '/orders', bearer(await expired()))
      expect(r.status).toBe(401)
      expect(r.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token", error_description="/)
      expect(r.body).toMatchObject({ error: 'invalid_token', code: 'token_expired' })
    })

    it('role not allowed on the route → 403 insufficient_scope', async () => {
      const r = await get(port, '/admin', bearer(await mint(key)))
      expect(r.status).toBe(403)
      expect(r.headers['www-authenticate']).toMatch(/error="insufficient_scope"/)
    })

    it('two Authorization header lines → 400 invalid_request', async () => {
      const r = await get(port, '/orders', { authorization: [`Bearer ${await mint(key)}`, 'Bearer other'] })
      expect(r.status).toBe(400)
      expect(r.body).toMatchObject({ error: 'invalid_request', code: 'invalid_request' })
    })

    it('optional auth lets only a missing token through', async () => {
      expect((await get(port, '/optional')).body).toEqual({ clientId: null, adminId: null })
      expect((await get(port, '/optional', bearer(await expired()))).status).toBe(401)
    })

    it('identity provider unreachable → 503 with Retry-After, no challenge', async () => {
      const r = await get(port, '/down/orders', bearer(await mint(key)))
      expect(r.status).toBe(503)
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(r.headers['www-authenticate']).toBeUndefined()
      expect(r.body).toMatchObject({ error: 'temporarily_unavailable', code: 'jwks_unavailable' })
    })

    it(`loads the ${coreBuild === 'web-build' ? 'web' : 'node'} build of core, seen in what it resolved and how it fetched the keys`, async () => {
      const r = await get(port, '/remote/orders', bearer(await mint(key)))
      expect(r.status).toBe(200)
      const platform = (await get(port, '/platform')).body as { runtime: string; coreUrl: string; fetchedUrls: string[] }
      expect(platform.runtime).toMatch(new RegExp(`^${runtime.name} \\d`))
      const fetches = jwksRequests.filter((q) => q.path === jwksPath)
      expect(fetches).toHaveLength(1)
      const jwksUrl = `${jwksBase}${jwksPath}`
      if (coreBuild === 'package') {
        // Deno and Bun both match the `node` export condition: node:crypto + node:http, whose
        // request asks for `accept-encoding: identity`, and the global fetch is never called.
        expect(platform.coreUrl).toMatch(/\/packages\/core\/dist\/node\/index\.js$/)
        expect(fetches[0]!.headers['accept-encoding']).toBe('identity')
        expect(platform.fetchedUrls).not.toContain(jwksUrl)
      } else {
        expect(platform.coreUrl).toMatch(/\/packages\/core\/dist\/web\/index\.js$/)
        expect(fetches[0]!.headers['accept-encoding']).not.toBe('identity')
        expect(platform.fetchedUrls).toContain(jwksUrl)
      }
    })
  })
})

describe('the runtime scripts', () => {
  // tests/tsconfig.json type-checks `**/*.ts` against the sources; the runtime scripts are `.mts`
  // and are checked here, by their own tsconfig, against the built declarations they import.
  it('type-check against the built declarations', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    try {
      execFileSync(process.execPath, [tsc, '-p', here, '--noEmit'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    } catch (error) {
      const { stdout, stderr } = error as { stdout?: string; stderr?: string }
      throw new Error(`tsc -p tests/runtimes failed:\n${stdout ?? ''}${stderr ?? ''}`)
    }
  }, 70_000)
})
