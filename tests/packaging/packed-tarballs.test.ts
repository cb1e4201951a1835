// The packages as users get them: `npm pack` tarballs unpacked into a fresh project, imported from
// ESM, CJS and TypeScript (`nodenext`), and the `tokenward` binary run from it. Needs the build
// (`npm test` runs it first).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
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

// `effect` is an optional peer of @tokenward/core, for the Effect door only: the project starts
// without it, as an Express, Lambda or CLI user's does, and the Effect door's tests add it.
function installEffect(): void {
  const target = join(project, 'node_modules', 'effect')
  if (!existsSync(target)) symlinkSync(join(root, 'node_modules', 'effect'), target, 'dir')
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
  unpack('@tokenward/issuer', '@tokenward/issuer')
  unpack('@tokenward/client', '@tokenward/client')
  unpack('@tokenward/console', '@tokenward/console')
  unpack('@tokenward/redis', '@tokenward/redis')
  unpack('@tokenward/opentelemetry', '@tokenward/opentelemetry')
  // @tokenward/redis depends on node-redis (as a user's install would bring it): linked from the workspace.
  symlinkSync(join(root, 'node_modules', 'redis'), join(project, 'node_modules', 'redis'), 'dir')
  symlinkSync(join(root, 'node_modules', '@redis'), join(project, 'node_modules', '@redis'), 'dir')
  // The packages have no dependencies beyond @tokenward/core, so nothing else is installed.
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
  it('ship only dist, README, the third-party notices and package.json, without source maps', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@tokenward/core/package.json'), 'utf8'))
    expect(manifest.engines.node).toBe('>=22.19')
    const files = execFileSync('find', ['node_modules/@tokenward', '-type', 'f'], { cwd: project, encoding: 'utf8' })
    expect(files).not.toMatch(/\/src\//)
    expect(files).not.toMatch(/\.test\./)
    expect(files).not.toMatch(/\.map$/m)
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

  it('need no effect package: it is an optional peer of core, and no package depends on it', () => {
    for (const name of ['core', 'cli', 'registry', 'issuer', 'client']) {
      const manifest = JSON.parse(readFileSync(join(project, `node_modules/@tokenward/${name}/package.json`), 'utf8'))
      // Only tokenward's own packages (the CLI also depends on @tokenward/issuer for `issuer serve`).
      expect(Object.keys(manifest.dependencies ?? {}).filter((dep) => !dep.startsWith('@tokenward/'))).toEqual([])
    }
    const core = JSON.parse(readFileSync(join(project, 'node_modules/@tokenward/core/package.json'), 'utf8'))
    expect(core.peerDependencies).toEqual({ effect: expect.any(String) })
    expect(core.peerDependenciesMeta).toEqual({ effect: { optional: true } })
    expect(existsSync(join(project, 'node_modules/effect'))).toBe(false)
  })

  it('without effect installed, the Effect door names the package to install (CJS: how; ESM: Node\'s own error)', () => {
    const attempt = (args: string[]) => {
      const result = spawnSync(process.execPath, args, { cwd: project, encoding: 'utf8' })
      return result.status === 0 ? 'loaded' : result.stderr
    }
    expect(existsSync(join(project, 'node_modules/effect'))).toBe(false)
    const esm = attempt(['--input-type=module', '-e', "await import('@tokenward/core/effect')"])
    const cjs = attempt(['--input-type=commonjs', '-e', "require('@tokenward/core/effect')"])
    expect(cjs).toMatch(/@tokenward\/core\/effect needs the `effect` package \(\^4\.\d+\.\d+\)[^\n]*npm install effect@/)
    // ESM resolves every import before the door runs; a top-level await to catch it would break CJS bundles.
    expect(esm).toMatch(/Cannot find package 'effect' imported from [^\n]*\/@tokenward\/core\/dist\/node\//)
    // The Promise door's names, and the pure subpaths, load all the same.
    expect(node(['--input-type=module', '-e', "const [c, o, j] = await Promise.all(['@tokenward/core', '@tokenward/core/organization', '@tokenward/core/jose'].map((s) => import(s))); console.log(typeof c.createVerifier, typeof o.applyCommand, typeof j.parseCompactJws)"]).trim()).toBe('function function function')
  })

  it('the Effect door loads from ESM and CJS once effect is installed', () => {
    installEffect()
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

  it('the organization rules and JOSE helpers live only on their subpaths, which share the root\'s functions and error classes', () => {
    const check = `
const same = [core.applyCommand === undefined, core.effectiveServerStatus === undefined, core.parseCompactJws === undefined, core.selectVerificationKey === undefined, core.inspectToken === jose.inspectToken, core.supportedAlgorithms === jose.supportedAlgorithms]
const parsed = jose.parseCompactJws('not-a-jws', { maxLength: 8192 })
const inspected = jose.inspectToken(process.argv[1], 0)
console.log(JSON.stringify({ same, refused: parsed.ok === false && parsed.error instanceof core.MalformedTokenError && core.isTokenwardError(parsed.error), alg: inspected.header.alg, algorithms: jose.supportedAlgorithms.includes('ES256'), organizationNames: Object.keys(organization).length, joseNames: Object.keys(jose).sort() }))`
    const expected = {
      same: [true, true, true, true, true, true],
      refused: true,
      alg: 'ES256',
      algorithms: true,
      organizationNames: expect.any(Number),
      joseNames: ['algorithmsForKey', 'createHeaderMemo', 'decodeBase64Url', 'encodeBase64Url', 'inspectToken', 'isCanonicalBase64Url', 'keyProblems', 'parseCompactJws', 'parseStrictJsonObject', 'selectVerificationKey', 'supportedAlgorithms', 'validateJoseHeader'],
    }
    const esm = JSON.parse(node(['--input-type=module', '-e', `const core = await import('@tokenward/core'); const organization = await import('@tokenward/core/organization'); const jose = await import('@tokenward/core/jose');${check}`, token]))
    const cjs = JSON.parse(node(['--input-type=commonjs', '-e', `const core = require('@tokenward/core'); const organization = require('@tokenward/core/organization'); const jose = require('@tokenward/core/jose');${check}`, token]))
    for (const out of [esm, cjs]) expect(out).toEqual(expected)
    expect(esm.organizationNames).toBeGreaterThan(20)
  })

  it('type-checks under TypeScript nodenext, ESM and CJS, and the Promise door exposes no Effect types', () => {
    installEffect()
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, include: ['*.ts', '*.cts', '*.mts'] }),
    )
    writeFileSync(
      join(project, 'esm.mts'),
      `import { createVerifier, isTokenwardError, type VerifiedAccessToken, type RequestVerdict } from '@tokenward/core'
import { TokenVerifier } from '@tokenward/core/effect'
import { parseCompactJws, type Jwk, type ParsedJws } from '@tokenward/core/jose'
import { effectiveServerStatus, type Organization } from '@tokenward/core/organization'
import type { MalformedTokenError, Result } from '@tokenward/core'
import { createIssuer, type Issuer, type IssuerOptions } from '@tokenward/issuer'
const v = createVerifier({ server: { name: 'A', jwksUrl: 'https://idp.example/keys' } })
export async function f(t: string): Promise<VerifiedAccessToken> { return v.verify(t) }
export async function g(): Promise<RequestVerdict> { return v.verifyRequest({ method: 'GET', url: '/', headers: {} }) }
export const isErr: (e: unknown) => boolean = isTokenwardError
export const layer = TokenVerifier.layer
export const parsed: Result<ParsedJws, MalformedTokenError> = parseCompactJws('a.b.c', { maxLength: 8192 })
export const key: Jwk | undefined = undefined
export const status: (o: Organization, serverId: string, now: number) => unknown = (o, id, now) => effectiveServerStatus(o, id, now)
export const makeIssuer: (o: IssuerOptions) => Issuer = createIssuer
import { createTokenClient, isTokenClientError, type TokenClient, type TokenClientOptions } from '@tokenward/client'
export const makeClient: (o: TokenClientOptions) => TokenClient = createTokenClient
export const isClientError: (e: unknown) => boolean = isTokenClientError
`,
    )
    writeFileSync(
      join(project, 'cjs.cts'),
      `import core = require('@tokenward/core')\nimport jose = require('@tokenward/core/jose')\nimport organization = require('@tokenward/core/organization')\nexport const c: typeof core.createVerifier = core.createVerifier\nexport const p: typeof jose.parseCompactJws = jose.parseCompactJws\nexport const a: typeof organization.applyCommand = organization.applyCommand\nimport issuer = require('@tokenward/issuer')\nexport const i: typeof issuer.createIssuer = issuer.createIssuer\nimport client = require('@tokenward/client')\nexport const t: typeof client.createTokenClient = client.createTokenClient\n`,
    )
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', project], { cwd: project, encoding: 'utf8' })
    expect(tsc.stdout + tsc.stderr).toBe('')
    expect(tsc.status).toBe(0)
    // The Promise door's declarations, and every chunk they import, must not mention Effect.
    const dist = join(project, 'node_modules/@tokenward/core/dist')
    const promiseDoor = readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f))
    expect(promiseDoor.length).toBeGreaterThanOrEqual(2)
    for (const file of promiseDoor) expect(readFileSync(join(dist, file), 'utf8')).not.toMatch(/from ['"]effect/)
    const effectDoor = readFileSync(join(dist, 'effect/index.d.ts'), 'utf8')
    expect(effectDoor).toMatch(/from ['"]effect/)
    // The Effect door publishes the domain's shape: no internals, no value | Promise | undefined methods.
    expect(effectDoor).not.toMatch(/@internal|verifyNow|verifyRequestNow|layerResolved|ResolvedVerifierOptions/)
    // tsc checks every declaration file without skipLibCheck, effect's included: ~15 s on 2 busy cores.
  }, 90_000)

  it('the registry loads from ESM and CJS, and its Node store works from the tarball', () => {
    const esm = `const r = await import('@tokenward/registry'); const n = await import('@tokenward/registry/node');
const store = await n.createFileOrganizationStore({ directory: 'orgs' });
const org = { orgId: '1', cloud: 'c', cloudDomain: 'c.net', apiRoles: {}, subscriptionValidUntil: 9e9, authorizationServers: [], revision: 1 };
const first = await store.put(org, undefined); const second = await store.put({ ...org, cloud: 'other' }, undefined);
console.log(JSON.stringify([typeof r.createAdminApi, typeof r.createRegistryVerifier, first.ok, second.ok, (await store.get('1')).revision]))`
    expect(JSON.parse(node(['--input-type=module', '-e', esm]))).toEqual(['function', 'function', true, false, 1])
    expect(node(['--input-type=commonjs', '-e', "console.log(typeof require('@tokenward/registry').createAdminApi, typeof require('@tokenward/registry/node').createJsonlAuditSink)"]).trim()).toBe('function function')
  })

  it('the issuer loads from ESM and CJS: scrypt under the node condition, PBKDF2 in the Web build, and it issues a token', () => {
    const script = `
const clients = issuer.createInMemoryClientStore([['1', issuer.defineApiClient({ clientId: 'c', roles: ['R'], authentication: { method: 'client_secret', secretHashes: [hash] } })]])
const server = issuer.createIssuer({ issuer: 'https://as.example', organization: { cloud: 'x', orgId: '1', cloudDomain: 'x.net', apiRoles: ['R'] }, clients, secretHasher: hasher })
const response = await server.handle(new Request('https://as.example/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=c&client_secret=' + secret }))
const body = await response.json()
console.log(JSON.stringify([issuer.createDefaultSecretHasher().algorithm, response.status, body.scope, typeof issuer.createIssuerNodeHandler(server)]))`
    const setup = "const hasher = issuer.createPbkdf2SecretHasher({ iterations: 10000 }); const { secret, hash } = await issuer.generateClientSecret(hasher);"
    const web = join(project, 'node_modules/@tokenward/issuer/dist/web/index.js')
    expect(JSON.parse(node(['--input-type=module', '-e', `const issuer = await import('@tokenward/issuer'); ${setup} ${script}`]))).toEqual(['scrypt', 200, 'x::1::R', 'function'])
    expect(JSON.parse(node(['--input-type=module', '-e', `const issuer = await import(${JSON.stringify(web)}); ${setup} ${script}`]))).toEqual(['pbkdf2-sha256', 200, 'x::1::R', 'function'])
    expect(JSON.parse(node(['--input-type=commonjs', '-e', `(async () => { const issuer = require('@tokenward/issuer'); ${setup} ${script} })()`]))).toEqual(['scrypt', 200, 'x::1::R', 'function'])
  })

  it('the console loads from ESM and CJS and serves its page and bundled script from the tarball', () => {
    const serve = `const page = await c.createAdminConsole({ adminApiBase: '/admin/' })(new Request('https://a.example/orgs/acme/'));
const js = await c.createAdminConsole({ adminApiBase: '/admin/' })(new Request('https://a.example/assets/console.js'));
console.log(JSON.stringify([page.status, page.headers.get('content-security-policy') === c.consoleContentSecurityPolicy, js.status, (await js.text()).length > 1000]))`
    const expected = [200, true, 200, true]
    expect(JSON.parse(node(['--input-type=module', '-e', `const c = await import('@tokenward/console'); ${serve}`]))).toEqual(expected)
    expect(JSON.parse(node(['--input-type=commonjs', '-e', `(async () => { const c = require('@tokenward/console'); ${serve} })()`]))).toEqual(expected)
  })

  it('the Redis package loads from ESM and CJS, depends on node-redis only besides tokenward, and checks its options when built', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@tokenward/redis/package.json'), 'utf8'))
    // @tokenward/issuer for the types of the client-assertion replay store and client store twins.
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['@tokenward/core', '@tokenward/issuer', '@tokenward/registry', 'redis'])
    const esm = `const r = await import('@tokenward/redis');
const issues = await r.createRedisConnection({ url: 'http://nope' }).catch((e) => e.issues.map((i) => i.path));
console.log(JSON.stringify([typeof r.createRedisOrganizationStore, typeof r.createRedisApiCallCounter, typeof r.createRedisAuditSink, typeof r.createRedisReceiptStore, typeof r.createRedisReplayStore, typeof r.createRedisClientAssertionReplayStore, typeof r.createRedisIntrospectionCache, typeof r.createRedisClientStore, typeof r.createRedisSigningKeyStore, typeof r.createRedisClusterConnection, typeof r.createRedisSentinelConnection, typeof r.createIoredisConnection, issues]))`
    // ioredis is an optional peer and is not installed here: the package must load without it.
    expect(JSON.parse(node(['--input-type=module', '-e', esm]))).toEqual([...Array<string>(12).fill('function'), ['url']])
    expect(node(['--input-type=commonjs', '-e', "console.log(typeof require('@tokenward/redis').createRedisConnection)"]).trim()).toBe('function')
  })

  it('the token client loads from ESM and CJS and gets a token from the packed issuer', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@tokenward/client/package.json'), 'utf8'))
    expect(Object.keys(manifest.dependencies)).toEqual(['@tokenward/core'])
    const script = `const hasher = issuer.createPbkdf2SecretHasher({ iterations: 10000 }); const { secret, hash } = await issuer.generateClientSecret(hasher);
const clients = issuer.createInMemoryClientStore([['1', issuer.defineApiClient({ clientId: 'c', roles: ['R'], authentication: { method: 'client_secret', secretHashes: [hash] } })]])
const server = issuer.createIssuer({ issuer: 'https://as.example', organization: { cloud: 'x', orgId: '1', cloudDomain: 'x.net', apiRoles: ['R'] }, clients, secretHasher: hasher })
const tc = client.createTokenClient({ tokenEndpoint: server.tokenEndpoint, issuer: server.issuer, clientId: 'c', clientAuthentication: { method: 'client_secret_basic', clientSecret: secret }, fetch: (input, init) => server.handle(new Request(input, init)) })
const token = await tc.getToken()
console.log(JSON.stringify([token.tokenType, token.scope, (await tc.getToken()) === token]))`
    expect(JSON.parse(node(['--input-type=module', '-e', `const issuer = await import('@tokenward/issuer'); const client = await import('@tokenward/client'); ${script}`]))).toEqual(['Bearer', 'x::1::R', true])
    expect(JSON.parse(node(['--input-type=commonjs', '-e', `(async () => { const issuer = require('@tokenward/issuer'); const client = require('@tokenward/client'); ${script} })()`]))).toEqual(['Bearer', 'x::1::R', true])
  })

  it('the OpenTelemetry bridge loads from ESM and CJS with @opentelemetry/api as its only peer', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules/@tokenward/opentelemetry/package.json'), 'utf8'))
    expect(manifest.peerDependencies).toEqual({ '@opentelemetry/api': expect.any(String) })
    expect(Object.keys(manifest.dependencies)).toEqual(['@tokenward/core'])
    const api = join(project, 'node_modules', '@opentelemetry', 'api')
    mkdirSync(join(project, 'node_modules', '@opentelemetry'), { recursive: true })
    if (!existsSync(api)) symlinkSync(join(root, 'node_modules', '@opentelemetry', 'api'), api, 'dir')
    const esm = `const { metrics } = await import('@opentelemetry/api'); const o = await import('@tokenward/opentelemetry');
const t = o.createTokenwardTelemetry({ meter: metrics.getMeter('x') }); t.onEvent({ type: 'jwks_fetched', url: 'https://a.example/k', durationMs: 3 });
console.log(typeof t.instrument)`
    expect(node(['--input-type=module', '-e', esm]).trim()).toBe('function')
    expect(node(['--input-type=commonjs', '-e', "console.log(typeof require('@tokenward/opentelemetry').createTokenwardTelemetry)"]).trim()).toBe('function')
  })

  it('the tokenward binary runs from the installed package', () => {
    const bin = join(project, 'node_modules/@tokenward/cli/dist/bin.js')
    const version = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')).version
    expect(node([bin, '--version']).trim()).toBe(version)
    const line = JSON.parse(node([bin, 'verify', '--config', 'server.json'], `${token}\n`))
    expect(line).toMatchObject({ valid: true, clientId: 'client-1' })
  })
})
