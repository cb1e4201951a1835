// @tokenward/console served by real Deno and Bun processes (Deno.serve, Bun.serve), importing the
// BUILT package as each runtime resolves it from the workspace node_modules (`npm test` builds
// first; by hand: `npm run build:packages`): the page and its script arrive with their content
// types and the console's Content-Security-Policy.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const script = fileURLToPath(new URL('./console-server.mts', import.meta.url))
const bin = (name: string): string => join(root, 'node_modules', '.bin', name)
const runtimes = {
  // manual: the workspace node_modules as is (no registry); network limited to loopback.
  deno: [bin('deno'), ['run', '--node-modules-dir=manual', '--no-lock', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', script]],
  // --no-install: never fetch a missing package from a registry.
  bun: [bin('bun'), ['--no-install', script]],
} as const

// The policy the package exports, read from the built package the runtimes load.
const { consoleContentSecurityPolicy } = (await import(join(root, 'packages/console/dist/index.js'))) as { consoleContentSecurityPolicy: string }

const children = new Set<ChildProcess>()
afterAll(() => {
  for (const child of children) child.kill('SIGKILL')
})

/** Starts the server; resolves with its port (the first stdout line). */
function start(command: string, args: readonly string[]): Promise<number> {
  if (!existsSync(command)) throw new Error(`${command} is missing: run npm install (the deno and bun devDependencies provide them)`)
  const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1' } })
  children.add(child)
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    const fail = (why: string): void => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${why}\nstdout: ${stdout}\nstderr: ${stderr}`))
    }
    const timer = setTimeout(() => fail('printed no port within 20 s'), 20_000)
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
      const line = stdout.split('\n')
      if (line.length < 2) return
      const port = Number(line[0]!.trim())
      if (!Number.isInteger(port) || port <= 0) return fail(`printed ${JSON.stringify(line[0])} instead of a port`)
      clearTimeout(timer)
      resolve(port)
    })
    child.once('exit', (code, signal) => fail(`exited early (code ${code}, signal ${signal})`))
  })
}

describe.each(Object.keys(runtimes) as (keyof typeof runtimes)[])('the console served by %s', (runtime) => {
  it('serves the page and its script with their types and the CSP', async () => {
    const [command, args] = runtimes[runtime]
    const origin = `http://127.0.0.1:${await start(command, args)}`
    const page = await fetch(`${origin}/console/orgs/acme/`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(page.headers.get('content-security-policy')).toBe(consoleContentSecurityPolicy)
    expect(consoleContentSecurityPolicy).toContain("frame-ancestors 'none'")
    expect(page.headers.get('x-frame-options')).toBe('DENY')
    const html = await page.text()
    expect(html).toContain('<meta name="tokenward-org-id" content="acme">')
    expect(html).toContain('https://api.example.com/orgs/acme/')
    const js = await fetch(`${origin}/console/assets/console.js`)
    expect(js.status).toBe(200)
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
    expect(js.headers.get('content-security-policy')).toBe(consoleContentSecurityPolicy)
    expect(await js.text()).toContain('x-tokenward-admin')
    expect((await fetch(`${origin}/console/orgs/a%3Cb/`)).status).toBe(404)
  }, 40_000)
})
