/**
 * `tokenward verify-request`: the verifier as a filter over whole requests (method, absolute URL,
 * headers, client certificate), for DPoP proofs and certificate-bound tokens. One JSON object per
 * stdin line in, one JSON object out, written as soon as the line is read; one verifier — one
 * replay store, one nonce secret — for the life of the process.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import type { TokenRequest, Verifier } from '@tokenward/core'
import { createVerifierFromFile, type CommandIo } from './verify-command.ts'

/**
 * Runs `tokenward verify-request` and returns the exit code (0 when every request was accepted,
 * 1 when any was refused or unreadable, 2 for a usage or configuration error).
 *
 * @example
 * ```ts
 * const code = await runVerifyRequest(['--config', 'server.json'], io)
 * ```
 */
export async function runVerifyRequest(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { config: { type: 'string' }, now: { type: 'string' } }, strict: true, allowPositionals: false })
  const verifier = await createVerifierFromFile(values.config, values.now)
  try {
    let allValid = true
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity })
    for await (const raw of lines) {
      if (raw.trim() === '') continue
      const answer = await answerLine(verifier, raw)
      if (!answer.valid) allValid = false
      io.write(JSON.stringify(answer))
    }
    return allValid ? 0 : 1
  } finally {
    await verifier.close()
  }
}

const headerNames: Readonly<Record<string, string>> = {
  'www-authenticate': 'WWW-Authenticate',
  'dpop-nonce': 'DPoP-Nonce',
  'cache-control': 'Cache-Control',
  'retry-after': 'Retry-After',
  'content-type': 'Content-Type',
}
const canonicalHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [headerNames[name] ?? name, value]))

const unreadable = (description: string) => ({ valid: false, status: 400, error: 'invalid_request', code: 'invalid_request', description, headers: {} })

/** Reads one input line as a request, or says why it cannot. */
function readRequest(raw: string): TokenRequest | string {
  let json: unknown
  try {
    json = JSON.parse(raw)
  } catch {
    return 'the line is not valid JSON'
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return 'the line must hold a JSON object'
  const o = json as Record<string, unknown>
  const unknown = Object.keys(o).filter((k) => !['method', 'url', 'headers', 'clientCertificate'].includes(k))
  if (unknown.length > 0) return `unknown field ${unknown.join(', ')}`
  if (typeof o.method !== 'string' || o.method === '') return 'method must be a non-empty string'
  if (typeof o.url !== 'string' || !URL.canParse(o.url)) return 'url must be an absolute URL'
  const headers: Record<string, string | string[]> = {}
  if (o.headers !== undefined) {
    if (typeof o.headers !== 'object' || o.headers === null || Array.isArray(o.headers)) return 'headers must be an object'
    for (const [name, value] of Object.entries(o.headers)) {
      if (typeof value === 'string') headers[name] = value
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) headers[name] = value as string[]
      else return `headers.${name} must be a string or an array of strings`
    }
  }
  let clientCertificate: TokenRequest['clientCertificate']
  if (o.clientCertificate !== undefined) {
    if (typeof o.clientCertificate !== 'string') return 'clientCertificate must be a PEM string'
    try {
      const text = o.clientCertificate.includes('-----BEGIN') ? o.clientCertificate : Buffer.from(o.clientCertificate, 'base64')
      clientCertificate = { raw: new Uint8Array(new X509Certificate(text).raw) }
    } catch {
      return 'clientCertificate is not a certificate (PEM, or base64 DER)'
    }
  }
  return { method: o.method, url: o.url, headers, ...(clientCertificate === undefined ? {} : { clientCertificate }) }
}

async function answerLine(verifier: Verifier, raw: string): Promise<Record<string, unknown> & { valid: boolean }> {
  const request = readRequest(raw)
  if (typeof request === 'string') return unreadable(request)
  const verdict = await verifier.verifyRequest(request)
  if (!verdict.ok) {
    const { error, response } = verdict
    return { valid: false, status: error.status, error: response.body.error, code: error.code, description: error.message, headers: canonicalHeaders(response.headers) }
  }
  const t = verdict.token
  return {
    valid: true,
    clientId: t.clientId,
    ...(t.source === undefined ? {} : { source: t.source }),
    subject: t.subject ?? null,
    scopes: t.scopes,
    roles: t.roles,
    apiRoles: t.apiRoles,
    ...(t.authorization === undefined ? {} : { adminId: t.authorization.adminId }),
    binding: t.binding ?? null,
    claims: t.claims,
    headers: t.dpopNonce === undefined ? {} : { 'DPoP-Nonce': t.dpopNonce, 'Cache-Control': 'no-store' },
  }
}
