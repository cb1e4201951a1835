/**
 * `tokenward verify`: the verifier as a filter over tokens.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { ConfigError, createVerifier, isVerificationError, renderChallenge, type CreateVerifierOptions, type Verifier } from '@tokenward/core'
import { resolveSecretReferences } from './secret-references.ts'
import { UsageError } from './usage.ts'

/** Where the command writes and reads. */
export interface CommandIo {
  readonly stdin: NodeJS.ReadableStream
  readonly write: (line: string) => void
  readonly writeError: (line: string) => void
}

/**
 * The verifier both filter commands run: options read from `--config` (secret references
 * resolved), the clock pinned by `--now` when given. A bad argument or config is a `UsageError`
 * naming the field.
 *
 * @example
 * ```ts
 * const verifier = await createVerifierFromFile('server.json', '1767225600')
 * ```
 */
export async function createVerifierFromFile(configPath: string | undefined, now: string | undefined): Promise<Verifier> {
  if (configPath === undefined) throw new UsageError('--config <file> is required')
  let nowMs: number | undefined
  if (now !== undefined) {
    const n = Number(now)
    if (now.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError('--now must be a number of seconds since the epoch')
    nowMs = n * 1000
  }
  const options = await readConfigFile(configPath)
  try {
    return createVerifier({ ...options, ...(nowMs === undefined ? {} : { clock: () => nowMs }) })
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(`${configPath}: ${e.issues.map((i) => `${i.path || '(root)'} ${i.message}`).join('; ')}`)
    throw e
  }
}

/**
 * Runs `tokenward verify` and returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runVerify(['--config', 'server.json', '--token', jwt], io)
 * ```
 */
export async function runVerify(args: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { config: { type: 'string' }, now: { type: 'string' }, token: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  })
  const verifier = await createVerifierFromFile(values.config, values.now)
  try {
    let allValid = true
    const check = async (token: string): Promise<void> => {
      const line = await verifyOne(verifier, token)
      if (!line.valid) allValid = false
      io.write(JSON.stringify(line))
    }
    if (values.token !== undefined) await check(values.token)
    else {
      const lines = createInterface({ input: io.stdin, crlfDelay: Infinity })
      for await (const raw of lines) {
        const token = raw.trim()
        if (token !== '') await check(token)
      }
    }
    return allValid ? 0 : 1
  } finally {
    await verifier.close()
  }
}

async function verifyOne(verifier: Verifier, token: string): Promise<Record<string, unknown> & { valid: boolean }> {
  try {
    const t = await verifier.verify(token)
    return {
      valid: true,
      clientId: t.clientId,
      ...(t.source === undefined ? {} : { source: t.source }),
      subject: t.subject ?? null,
      scopes: t.scopes,
      roles: t.roles,
      apiRoles: t.apiRoles,
      ...(t.authorization === undefined ? {} : { adminId: t.authorization.adminId }),
      claims: t.claims,
    }
  } catch (e) {
    if (!isVerificationError(e)) throw e
    const { body } = renderChallenge(e)
    return { valid: false, status: e.status, error: body.error, code: e.code, description: e.message }
  }
}

/** Reads a `--config` file: `{ server, organization? }` or a bare server, secret references resolved. */
export async function readConfigFile(path: string): Promise<CreateVerifierOptions> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read config file ${path}: ${(e as Error).message}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}`)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new UsageError(`${path} must hold a JSON object`)
  const o = (await resolveSecretReferences(json, path, process.env)) as Record<string, unknown>
  if ('server' in o) {
    const unknown = Object.keys(o).filter((k) => k !== 'server' && k !== 'organization')
    if (unknown.length > 0) throw new UsageError(`${path}: unknown field ${unknown.join(', ')} (expected server, organization)`)
    return o as unknown as CreateVerifierOptions
  }
  return { server: o as unknown as CreateVerifierOptions['server'] }
}
