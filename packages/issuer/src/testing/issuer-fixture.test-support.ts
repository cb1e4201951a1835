/**
 * Test support (never shipped): a Web handler served over real HTTP on 127.0.0.1, a JWKS server,
 * client key pairs and certificates made at test time (jose for keys, node-forge for certificates).
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey as JoseKey, type JWK } from 'jose'
import forge from 'node-forge'

/** A server on 127.0.0.1. */
export interface RunningServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string
  /** Requests served so far. */
  readonly hits: () => number
  close(): Promise<void>
}

async function toWebRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const headers = new Headers()
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  const method = req.method ?? 'GET'
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const body = method === 'GET' || method === 'HEAD' ? null : Buffer.concat(chunks)
  return new Request(new URL(req.url ?? '/', origin), { method, headers, body })
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status
  response.headers.forEach((value, key) => res.setHeader(key, value))
  res.end(Buffer.from(await response.arrayBuffer()))
}

/** Serves a `Request → Response` handler on a free loopback port. */
export async function serveHandler(handler: (request: Request, origin: string) => Promise<Response> | Response): Promise<RunningServer> {
  let origin = ''
  let hits = 0
  const server = createServer((req, res) => {
    hits++
    toWebRequest(req, origin)
      .then((request) => handler(request, origin))
      .then((response) => send(res, response))
      .catch((error: unknown) => {
        res.statusCode = 500
        res.end(String(error))
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    origin,
    hits: () => hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** A client's key pair: the private key to sign assertions, its public JWK, PEM and a certificate. */
export interface ClientKeys {
  readonly privateKey: JoseKey
  readonly publicJwk: JWK
  readonly publicPem: string
  readonly kid: string
}

/** Generates an ES256 (or RS256) client key pair. */
export async function makeClientKeys(kid: string, alg: 'ES256' | 'RS256' = 'ES256'): Promise<ClientKeys> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
  return { privateKey, publicJwk, publicPem: await exportSPKI(publicKey), kid }
}

/** A self-signed PEM certificate for an RSA key made here, with the given validity; returns the key too. */
export async function makeClientCertificate(notBefore: Date, notAfter: Date): Promise<{ certificatePem: string; privateKey: JoseKey }> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(await exportSPKI(publicKey))
  cert.serialNumber = '01ab'
  cert.validity.notBefore = notBefore
  cert.validity.notAfter = notAfter
  const attrs = [{ name: 'commonName', value: 'api-client' }]
  cert.setSubject(attrs)
  cert.setIssuer(attrs)
  const { exportPKCS8 } = await import('jose')
  cert.sign(forge.pki.privateKeyFromPem(await exportPKCS8(privateKey)) as forge.pki.rsa.PrivateKey, forge.md.sha256.create())
  return { certificatePem: forge.pki.certificateToPem(cert), privateKey }
}

/** Serves `{ keys }` as a JWKS on 127.0.0.1. */
export function serveJwks(keys: readonly JWK[]): Promise<RunningServer> {
  return serveHandler(() => Response.json({ keys }, { headers: { 'cache-control': 'max-age=300' } }))
}

/** Signs an RFC 7523 client assertion; `overrides` replace or (with `undefined`) remove claims. */
export async function signAssertion(
  keys: { privateKey: JoseKey; kid?: string | undefined },
  claims: { clientId: string; audience: string | string[] },
  overrides: Record<string, unknown> = {},
  alg: string = 'ES256',
): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  const payload: Record<string, unknown> = { iss: claims.clientId, sub: claims.clientId, aud: claims.audience, iat: now, exp: now + 60, jti: crypto.randomUUID() }
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete payload[k]
    else payload[k] = v
  }
  return new SignJWT(payload).setProtectedHeader({ alg, ...(keys.kid === undefined ? {} : { kid: keys.kid }) }).sign(keys.privateKey)
}

/** A form body. */
export const form = (params: Record<string, string>): string => new URLSearchParams(params).toString()
