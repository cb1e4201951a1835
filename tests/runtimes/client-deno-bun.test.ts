// @tokenward/client in real Deno and Bun processes, importing the BUILT packages (`npm test` builds
// first): a DPoP-bound token from the built issuer, the issuer's nonce answered once.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const script = fileURLToPath(new URL('./client-script.mts', import.meta.url))
const commands = {
  deno: [join(root, 'node_modules/.bin/deno'), ['run', '--node-modules-dir=manual', '--no-lock', '--allow-read', '--allow-env', script]],
  bun: [join(root, 'node_modules/.bin/bun'), ['--no-install', script]],
} as const

describe.each(Object.keys(commands) as (keyof typeof commands)[])('@tokenward/client in %s', (runtime) => {
  it('gets a DPoP-bound token from the issuer, answering its nonce once, and caches it', () => {
    const [command, args] = commands[runtime]
    const out = execFileSync(command, [...args], { cwd: root, encoding: 'utf8', timeout: 30_000 })
    expect(JSON.parse(out.trim().split('\n').at(-1)!)).toEqual({ tokenType: 'DPoP', scope: 'x::1::R', bound: true, tokenRequests: 2, cached: true })
  }, 40_000)
})
