// One token endpoint under load, in its own process (pinned by the parent): `tokenward`
// (@tokenward/issuer behind node:http) or `oidc-provider` (panva's certified provider, the
// client_credentials grant with JWT access tokens). Both know the same two clients: one with a
// client secret (client_secret_basic) and one with an ES256 public key (private_key_jwt).
// A third variant, `floor`, is node:http alone: it reads the body and answers a fixed 200 JSON
// the size of a token answer, the least any token endpoint behind node:http can cost per request.
// Replies { type: 'ready', port } over IPC once listening.
import { createServer } from 'node:http'

const variant = process.argv[2]
const config = JSON.parse(process.env.BENCH_ISSUER_CONFIG)
const organization = { cloud: 'zscloud', orgId: '12345', cloudDomain: 'zscloud.net', apiRoles: ['ReadOnly'] }

async function tokenwardHandler(origin) {
  const issuerPackage = await import('@tokenward/issuer')
  const hasher = issuerPackage.createDefaultSecretHasher()
  const clients = issuerPackage.createInMemoryClientStore([
    ['12345', issuerPackage.defineApiClient({ clientId: 'secret-client', roles: ['ReadOnly'], authentication: { method: 'client_secret', secretHashes: [await hasher.hash(config.secret)] } })],
    ['12345', issuerPackage.defineApiClient({ clientId: 'jwt-client', roles: ['ReadOnly'], authentication: { method: 'private_key_jwt', publicKey: config.publicJwk } })],
  ])
  const issuer = issuerPackage.createIssuer({
    issuer: origin,
    organization,
    clients,
    ...(config.secretCache === false ? { verifiedSecretCache: false } : {}),
    resources: [config.resource],
    defaultAudience: config.resource,
  })
  // The Node-native door (no Web Request/Response per request); `web` keeps the Web handler behind
  // a node:http → Request bridge, to show what the translation costs.
  if (config.door !== 'web') return issuerPackage.createIssuerNodeHandler(issuer)
  return (req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', async () => {
      const headers = new Headers()
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1])
      const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
      const response = await issuer.handle(new Request(new URL(req.url, origin), { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : null }))
      res.statusCode = response.status
      response.headers.forEach((value, key) => res.setHeader(key, value))
      res.end(Buffer.from(await response.arrayBuffer()))
    })
  }
}

async function oidcProviderHandler(origin) {
  const { default: Provider, errors } = await import('oidc-provider')
  const provider = new Provider(origin, {
    clients: [
      { client_id: 'secret-client', client_secret: config.secret, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'ES256' },
      { client_id: 'jwt-client', jwks: { keys: [config.publicJwk] }, grant_types: ['client_credentials'], response_types: [], redirect_uris: [], token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256', id_token_signed_response_alg: 'ES256' },
    ],
    jwks: { keys: [config.signingJwk] },
    ttl: { ClientCredentials: 600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => config.resource,
        getResourceServerInfo: async (_ctx, indicator) => {
          if (indicator !== config.resource) throw new errors.InvalidTarget()
          return { scope: 'zscloud::12345::ReadOnly', audience: config.resource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'ES256' } } }
        },
      },
    },
  })
  return provider.callback()
}

/** The floor: node:http reading the body and sending a fixed token-sized 200 JSON (no parsing, no crypto). */
function floorHandler() {
  const body = JSON.stringify({ access_token: 'x'.repeat(560), token_type: 'Bearer', expires_in: 600, scope: 'zscloud::12345::ReadOnly' })
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', 'content-length': String(body.length) }
  return (req, res) => {
    req.on('data', () => {})
    req.on('end', () => {
      res.writeHead(200, headers)
      res.end(body)
    })
  }
}

let handler
// CPU time of this process (all threads), for the per-request cost the parent computes.
process.on('message', (message) => {
  if (message?.type !== 'cpu') return
  const { user, system } = process.cpuUsage()
  process.send({ type: 'cpu', micros: user + system })
})
const server = createServer((req, res) => handler(req, res))
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', async () => {
  const origin = `http://127.0.0.1:${server.address().port}`
  handler = variant === 'floor' ? floorHandler() : variant === 'oidc-provider' ? await oidcProviderHandler(origin) : await tokenwardHandler(origin)
  process.send({ type: 'ready', port: server.address().port, origin })
})
