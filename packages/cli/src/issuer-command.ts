/**
 * `tokenward issuer serve`: a local OAuth 2.0 issuer for API clients (client_credentials), from a
 * config file. Prints one JSON line `{"issuer","token_endpoint","jwks_uri"}` on stdout once it
 * listens, logs one JSON line per token request on stderr, and stops on SIGTERM or SIGINT.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { parseArgs } from 'node:util'
import { ConfigError, defineApiResources, type ApiResourceRow, type ApiResourceTable, type ConfigIssue } from '@tokenward/core'
import {
  createDefaultSecretHasher,
  createInMemoryClientStore,
  createInMemorySigningKeyStore,
  createIssuer,
  createIssuerNodeHandler,
  validateApiClient,
  type ApiClient,
  type Issuer,
  type IssuerOptions,
} from '@tokenward/issuer'
import { UsageError } from './usage.ts'
import type { CommandIo } from './verify-command.ts'

const configFields = new Set(['issuer', 'organization', 'clients', 'accessTokenLifetimeSeconds', 'signingKeys', 'resources', 'dpop', 'failedAuthenticationThrottle', 'apiResources'])

/**
 * Runs `tokenward issuer <subcommand>`; `serve` resolves with the exit code once the server has stopped.
 *
 * @example
 * ```ts
 * const code = await runIssuer(['serve', '--config', 'issuer.json', '--port', '0'], io)
 * ```
 */
export async function runIssuer(args: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args
  if (sub !== 'serve') throw new UsageError(sub === undefined ? 'issuer needs a subcommand: serve' : `unknown issuer subcommand "${sub}"`)
  const { values } = parseArgs({
    args: [...rest],
    options: { config: { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
    strict: true,
    allowPositionals: false,
  })
  if (values.config === undefined) throw new UsageError('--config <file> is required')
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError('--port must be an integer from 0 to 65535')
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(values.config, 'utf8'))
  } catch (e) {
    throw new UsageError(`${values.config}: ${(e as Error).message}`)
  }
  const config = await loadConfig(raw).catch((e: unknown) => {
    if (e instanceof ConfigError) throw new UsageError(`${values.config}: ${e.issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`)
    throw e
  })

  let issuer: Issuer | undefined
  // The Node-native door: no Web Request/Response per request (same answers as issuer.handle).
  let handler: ReturnType<typeof createIssuerNodeHandler> | undefined
  const server = createServer((req, res) => handler!(req, res))
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, values.host, resolve)
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const origin = `http://${host}:${address.port}`
  try {
    issuer = createIssuer({
      issuer: config.issuer ?? origin,
      organization: config.organization,
      clients: config.clients,
      signingKeys: config.signingKeys,
      ...(config.accessTokenLifetimeSeconds === undefined ? {} : { accessTokenLifetimeSeconds: config.accessTokenLifetimeSeconds }),
      ...(config.resources === undefined ? {} : { resources: config.resources }),
      ...(config.apiResources === undefined ? {} : { apiResources: config.apiResources }),
      // Checked by createIssuer. The throttle stays off unless the file asks for it.
      ...(config.dpop === undefined ? {} : { dpop: config.dpop as IssuerOptions['dpop'] }),
      ...(config.failedAuthenticationThrottle === undefined ? {} : { failedAuthenticationThrottle: config.failedAuthenticationThrottle as IssuerOptions['failedAuthenticationThrottle'] }),
      // The file is the operator's own configuration: its JWKS URLs may be anywhere, loopback included.
      clientJwks: { addressPolicy: null },
      onEvent: (event) => io.writeError(JSON.stringify(event)),
    })
  } catch (e) {
    server.close()
    if (e instanceof ConfigError) throw new UsageError(`${values.config}: ${e.issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`)
    throw e
  }
  handler = createIssuerNodeHandler(issuer)
  io.write(JSON.stringify({ issuer: issuer.issuer, token_endpoint: issuer.tokenEndpoint, jwks_uri: issuer.jwksUri }))
  io.writeError(JSON.stringify({ level: 'info', message: `issuer listening on ${origin}`, clients: config.clientCount }))

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGTERM', onTerm)
      process.off('SIGINT', onInt)
      io.writeError(JSON.stringify({ level: 'info', message: `${signal}: stopping` }))
      server.close(() => resolve())
      server.closeAllConnections()
    }
    const onTerm = (): void => stop('SIGTERM')
    const onInt = (): void => stop('SIGINT')
    process.once('SIGTERM', onTerm)
    process.once('SIGINT', onInt)
  })
  await issuer.close()
  return 0
}

interface LoadedConfig {
  readonly issuer: string | undefined
  readonly organization: { cloud: string; orgId: string; cloudDomain: string; apiRoles: string[]; apiRoleCategories?: Record<string, string[]> }
  readonly clients: ReturnType<typeof createInMemoryClientStore>
  readonly clientCount: number
  readonly signingKeys: ReturnType<typeof createInMemorySigningKeyStore>
  readonly accessTokenLifetimeSeconds: number | undefined
  readonly resources: string[] | undefined
  readonly apiResources: ApiResourceTable | undefined
  readonly dpop: unknown
  readonly failedAuthenticationThrottle: unknown
}

/** Reads `issuer.json`; a plain `clientSecret` is hashed here and then forgotten. */
async function loadConfig(raw: unknown): Promise<LoadedConfig> {
  const issues: ConfigIssue[] = []
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError([{ path: '', message: 'must be a JSON object' }])
  const o = raw as Record<string, unknown>
  for (const key of Object.keys(o)) if (!configFields.has(key)) issues.push({ path: key, message: 'unknown field' })
  if (o.issuer !== undefined && typeof o.issuer !== 'string') issues.push({ path: 'issuer', message: 'must be a URL string' })
  if (!Array.isArray(o.clients)) issues.push({ path: 'clients', message: 'must be an array of API clients' })
  const organization = o.organization as LoadedConfig['organization']
  const orgId = typeof organization === 'object' && organization !== null ? organization.orgId : undefined
  const hasher = createDefaultSecretHasher()
  const clients: ApiClient[] = []
  for (const [i, entry] of (Array.isArray(o.clients) ? o.clients : []).entries()) {
    let input = entry as Record<string, unknown>
    const auth = input?.authentication as Record<string, unknown> | undefined
    if (auth?.method === 'client_secret' && typeof auth.clientSecret === 'string') {
      const { clientSecret, ...kept } = auth
      if (clientSecret.length < 16) issues.push({ path: `clients[${i}].authentication.clientSecret`, message: 'must be at least 16 characters' })
      input = { ...input, authentication: { ...kept, secretHashes: [await hasher.hash(clientSecret)] } }
    }
    const r = validateApiClient(input)
    if (!r.ok) for (const issue of r.issues) issues.push({ path: `clients[${i}]${issue.path === '' ? '' : `.${issue.path}`}`, message: issue.message })
    else clients.push(r.client)
  }
  if (new Set(clients.map((c) => c.clientId)).size !== clients.length) issues.push({ path: 'clients', message: 'client IDs must be unique' })
  let signingKeys: LoadedConfig['signingKeys'] | undefined
  const lifetime = o.accessTokenLifetimeSeconds as number | undefined
  if (o.signingKeys !== undefined && (!Array.isArray(o.signingKeys) || o.signingKeys.length === 0)) issues.push({ path: 'signingKeys', message: 'must be a non-empty array of private P-256 JWKs' })
  if (o.resources !== undefined && (!Array.isArray(o.resources) || !o.resources.every((r) => typeof r === 'string'))) issues.push({ path: 'resources', message: 'must be an array of URIs' })
  // The same rows defineApiResources takes (RFC 8707 `resource` narrowing); needs the roles' categories.
  let apiResources: ApiResourceTable | undefined
  if (o.apiResources !== undefined) {
    try {
      apiResources = defineApiResources(o.apiResources as ApiResourceRow[])
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e
      for (const issue of e.issues) issues.push({ path: `apiResources${issue.path === '' || issue.path.startsWith('[') ? '' : '.'}${issue.path}`, message: issue.message })
    }
    const categories = (organization as { apiRoleCategories?: unknown } | undefined)?.apiRoleCategories
    if (typeof categories !== 'object' || categories === null || Array.isArray(categories)) {
      issues.push({ path: 'organization.apiRoleCategories', message: 'is needed with apiResources: an object mapping each API role to the API resource categories it grants' })
    } else {
      for (const [role, granted] of Object.entries(categories)) {
        if (!Array.isArray(granted) || !granted.every((c) => typeof c === 'string')) issues.push({ path: `organization.apiRoleCategories.${role}`, message: 'must be an array of category names' })
      }
    }
  }
  if (issues.length > 0) throw new ConfigError(issues)
  signingKeys = createInMemorySigningKeyStore({ ...(o.signingKeys === undefined ? {} : { privateJwks: o.signingKeys as JsonWebKey[] }), maxTokenLifetimeSeconds: lifetime ?? 600 })
  try {
    await signingKeys.publishedKeys(Date.now())
  } catch (e) {
    throw new ConfigError([{ path: 'signingKeys', message: (e as Error).message }])
  }
  return {
    issuer: o.issuer as string | undefined,
    organization,
    clients: createInMemoryClientStore(clients.map((c) => [String(orgId), c] as const)),
    clientCount: clients.length,
    signingKeys,
    accessTokenLifetimeSeconds: lifetime,
    resources: o.resources as string[] | undefined,
    apiResources,
    dpop: o.dpop,
    failedAuthenticationThrottle: o.failedAuthenticationThrottle,
  }
}
