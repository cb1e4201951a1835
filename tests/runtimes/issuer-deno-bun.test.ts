// @tokenward/issuer in real Deno and Bun processes, importing the BUILT package (`npm test` builds
// first): as each runtime resolves it from the workspace node_modules, and its Web build by file
// URL. Each issues a token whose ES256 signature verifies with WebCrypto against the issuer's JWKS.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const script = fileURLToPath(new URL('./issuer-script.mts', import.meta.url))
const webBuild = new URL('../../packages/issuer/dist/web/index.js', import.meta.url).href
const commands = {
  deno: (specifier: string) => [join(root, 'node_modules/.bin/deno'), ['run', '--node-modules-dir=manual', '--no-lock', '--allow-read', '--allow-env', script, specifier]] as const,
  bun: (specifier: string) => [join(root, 'node_modules/.bin/bun'), ['--no-install', script, specifier]] as const,
}

describe.each(Object.keys(commands) as (keyof typeof commands)[])('@tokenward/issuer in %s', (runtime) => {
  it.each([
    ['the package', '@tokenward/issuer'],
    ['the Web build', webBuild],
  ])('%s issues a token that verifies', (_name, specifier) => {
    const [command, args] = commands[runtime](specifier)
    const out = execFileSync(command, args, { cwd: root, encoding: 'utf8', timeout: 30_000 })
    const result = JSON.parse(out.trim().split('\n').at(-1)!)
    expect(result).toMatchObject({ status: 200, scope: 'x::1::R', valid: true })
    if (specifier === webBuild) expect(result.defaultHasher).toBe('pbkdf2-sha256')
  }, 40_000)
})
