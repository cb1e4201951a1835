// The packages as users get them: `npm pack` tarballs unpacked into a fresh project, imported from
// ESM, CJS and TypeScript (`nodenext`), and the `tokenward` binary run from it. Needs the build
// (`npm test` runs it first).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeKey, mint, type TestKey } from '../../packages/core/src/testing/mint.test-support.ts'

const root = fileURLToPath(new URL('../..', import.meta.url))
let project: string
let key: TestKey
let token: string

function unpack(workspace: string, into: string): void {
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--workspace', workspace, '--pack-destination', project], { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_loglevel: 'error' } })) as { filename: string }[]
  const target = join(project, 'node_modules', into)
  mkdirSync(target, { recursive: true })
  execFileSync('tar', ['-xzf', join(project, packed[0]!.filename.replace(/^@tokenward\//, 'tokenward-')), '-C', target, '--strip-components=1'])
}

function node(args: string[], input?: string): string {
  return execFileSync(process.execPath, args, { cwd: project, encoding: 'utf8', ...(input === undefined ? {} : { input }) })
}

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'tokenward-pack-'))
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  unpack('@tokenward/core', '@tokenward/core')
  unpack('@tokenward/cli', '@tokenward/cli')
  unpack('@tokenward/registry', '@tokenward/registry')
  // The packages' own dependencies, as npm would install them.
  for (const dep of ['effect', 'jose']) symlinkSync(join(root, 'node_modules', dep), join(project, 'node_modules', dep), 'dir')
  key = await makeKey('ES256', 'k1')
  token = await mint(key)
  writeFileSync(join(project, 'server.json'), JSON.stringify({ name: 'Packed', jwks: { keys: [key.publicJwk] }, issuer: 'https://idp.test' }))
}, 120_000)
afterAll(() => rmSync(project, { recursive: true, force: true }))

const script = (load: string) => `
${load}
const config = JSON.parse(require('node:fs').readFileSync('server.json', 'utf8'))
const verifier = core.createVerifier({ server: config })
verifier.verify(process.argv[1]).then(async (t) => {
  let code = 'none'
  try { await verifier.verify('x.y.z') } catch (e) { code = core.isTokenwardError(e) ? e.code : 'foreign' }
  console.log(JSON.stringify({ clientId: t.clientId, rejected: code, challenge: core.renderChallenge(new core.ClaimValidationError('token_expired', 'x')).status }))
  await verifier.close()
})`

describe('packed tarballs', () => {
  it('ship only dist, README, the third-party notices and package.json', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@tokenward/core/package.json'), 'utf8'))
    expect(manifest.engines.node).toBe('>=22.19')
    const files = execFileSync('find', ['node_modules/@tokenward/core', '-type', 'f'], { cwd: project, encoding: 'utf8' })
    expect(files).not.toMatch(/\/src\//)
    expect(files).not.toMatch(/\.test\./)
    expect(readFileSync(join(project, 'node_modules/@tokenward/core/THIRD-PARTY-NOTICES.md'), 'utf8')).toMatch(/effect[\s\S]*MIT License/)
  })

  it('import from ESM (node condition) and verify', () => {
    const out = node(['--input-type=module', '-e', script("import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const core = await import('@tokenward/core');"), token])
    expect(JSON.parse(out)).toEqual({ clientId: 'client-1', rejected: 'malformed_token', challenge: 401 })
  })

  it('require from CJS and verify', () => {
    const out = node(['--input-type=commonjs', '-e', script("const core = require('@tokenward/core');"), token])
    expect(JSON.parse(out)).toEqual({ clientId: 'client-1', rejected: 'malformed_token', challenge: 401 })
  })

  it('the Web build (WebCrypto + fetch) verifies too', () => {
    const web = join(project, 'node_modules/@tokenward/core/dist/web/index.js')
    const out = node(['--input-type=module', '-e', script(`import { createRequire } from 'node:module'; const require = createRequire(import.meta.url); const core = await import(${JSON.stringify(web)});`), token])
    expect(JSON.parse(out)).toEqual({ clientId: 'client-1', rejected: 'malformed_token', challenge: 401 })
  })

  it('the Effect door loads from ESM and CJS', () => {
    expect(node(['--input-type=module', '-e', "const m = await import('@tokenward/core/effect'); console.log(typeof m.TokenVerifier.layer)"]).trim()).toBe('function')
    expect(node(['--input-type=commonjs', '-e', "console.log(typeof require('@tokenward/core/effect').TokenVerifier.layer)"]).trim()).toBe('function')
  })

  // Watches what a script loads (module hooks see both import and require): modules of the `effect`
  // package and the Promise door's runtime engine. Serves the inline keys as a JWK Set on 127.0.0.1,
  // verifies one token with inline keys, then with the URL, then asks an unreachable URL.
  const lazyRuntimeScript = (load: string) => `
const { registerHooks } = require('node:module')
const effectModules = new Set()
const engines = new Set()
registerHooks({ load(url, context, next) {
  if (url.includes('/node_modules/effect/')) effectModules.add(url)
  if (url.includes('/@tokenward/core/dist/node/runtime-engine-')) engines.add(url)
  return next(url, context)
} })
;(async () => {
  ${load}
  const config = JSON.parse(require('node:fs').readFileSync('server.json', 'utf8'))
  const inline = core.createVerifier({ server: config })
  await inline.verify(process.argv[1])
  const engineAfterInline = engines.size
  const server = require('node:http').createServer((req, res) => res.end(JSON.stringify(config.jwks)))
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  let fetches = 0
  server.on('request', () => fetches++)
  const remote = core.createVerifier({ server: { name: 'PackedRemote', jwksUrl: 'http://127.0.0.1:' + server.address().port + '/jwks', issuer: config.issuer } })
  // Created, not yet used: the engine loads in the background, and nothing is fetched.
  for (let waited = 0; engines.size === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20))
  const loadedBeforeUse = engines.size === 1 && fetches === 0
  const token = await remote.verify(process.argv[1])
  const source = (await remote.status()).jwksSource.startsWith('http://127.0.0.1:')
  await remote.close()
  const port = server.address().port
  await new Promise((resolve) => server.close(resolve))
  // An error made inside the engine is an instance of the classes the application imported.
  const unreachable = core.createVerifier({ server: { name: 'Gone', jwksUrl: 'http://127.0.0.1:' + port + '/jwks' } })
  const failure = await unreachable.verify(process.argv[1]).then(() => undefined, (e) => e)
  await unreachable.close()
  console.log(JSON.stringify({
    engineAfterInline, loadedBeforeUse, clientId: token.clientId, source, effectModules: effectModules.size,
    unreachable: [failure?.code, failure instanceof core.JwksUnavailableError, failure instanceof core.TokenwardError, core.renderChallenge(failure).status],
  }))
})()`

  it('the Promise door loads its runtime engine only for a JWKS URL, from creation, without fetching, and with no effect package modules (ESM and CJS)', () => {
    const expected = {
      engineAfterInline: 0,
      loadedBeforeUse: true,
      clientId: 'client-1',
      source: true,
      effectModules: 0,
      unreachable: ['jwks_unavailable', true, true, 503],
    }
    const esm = lazyRuntimeScript("const core = await import('@tokenward/core')")
    expect(JSON.parse(node(['--input-type=module', '-e', `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);${esm}`, token]))).toEqual(expected)
    expect(JSON.parse(node(['--input-type=commonjs', '-e', lazyRuntimeScript("const core = require('@tokenward/core')"), token]))).toEqual(expected)
  })

  it('type-checks under TypeScript nodenext, ESM and CJS, and the Promise door exposes no Effect types', () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, include: ['*.ts', '*.cts', '*.mts'] }),
    )
    writeFileSync(
      join(project, 'esm.mts'),
      `import { createVerifier, isTokenwardError, type VerifiedAccessToken, type RequestVerdict } from '@tokenward/core'
import { TokenVerifier } from '@tokenward/core/effect'
const v = createVerifier({ server: { name: 'A', jwksUrl: 'https://idp.example/keys' } })
export async function f(t: string): Promise<VerifiedAccessToken> { return v.verify(t) }
export async function g(): Promise<RequestVerdict> { return v.verifyRequest({ method: 'GET', url: '/', headers: {} }) }
export const isErr: (e: unknown) => boolean = isTokenwardError
export const layer = TokenVerifier.layer
`,
    )
    writeFileSync(join(project, 'cjs.cts'), `import core = require('@tokenward/core')\nexport const c: typeof core.createVerifier = core.createVerifier\n`)
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project, encoding: 'utf8' })
    // The Promise door's declarations, and every chunk they import, must not mention Effect.
    const dist = join(project, 'node_modules/@tokenward/core/dist')
    const promiseDoor = readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f))
    expect(promiseDoor.length).toBeGreaterThanOrEqual(2)
    for (const file of promiseDoor) expect(readFileSync(join(dist, file), 'utf8')).not.toMatch(/from ['"]effect/)
    expect(readFileSync(join(dist, 'effect/index.d.ts'), 'utf8')).toMatch(/from ['"]effect/)
  })

  it('the registry loads from ESM and CJS, and its Node store works from the tarball', () => {
    const esm = `const r = await import('@tokenward/registry'); const n = await import('@tokenward/registry/node');
const store = await n.createFileOrganizationStore({ directory: 'orgs' });
const org = { orgId: '1', cloud: 'c', cloudDomain: 'c.net', apiRoles: {}, subscriptionValidUntil: 9e9, authorizationServers: [], revision: 1 };
const first = await store.put(org, undefined); const second = await store.put({ ...org, cloud: 'other' }, undefined);
console.log(JSON.stringify([typeof r.createAdminApi, typeof r.createRegistryVerifier, first.ok, second.ok, (await store.get('1')).revision]))`
    expect(JSON.parse(node(['--input-type=module', '-e', esm]))).toEqual(['function', 'function', true, false, 1])
    expect(node(['--input-type=commonjs', '-e', "console.log(typeof require('@tokenward/registry').createAdminApi, typeof require('@tokenward/registry/node').createJsonlAuditSink)"]).trim()).toBe('function function')
  })

  it('the tokenward binary runs from the installed package', () => {
    const bin = join(project, 'node_modules/@tokenward/cli/dist/bin.js')
    const version = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version
    expect(node([bin, '--version']).trim()).toBe(version)
    const line = JSON.parse(node([bin, 'verify', '--config', 'server.json'], `${token}\n`))
    expect(line).toMatchObject({ valid: true, clientId: 'client-1' })
  })
})
