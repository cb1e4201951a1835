/**
 * Secrets in files the CLI reads: a secret or private key may be written as `{ "env": "NAME" }`
 * (an environment variable) or `{ "file": "path" }` (a file, relative to the config file) instead
 * of a literal, so config files can be committed without their secrets. Resolved here, in the
 * CLI, never in core. Errors name the member's path and the variable or file, never a value.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { UsageError } from './usage.ts'

/** Member names whose values are secrets or key material and may be given by reference. */
export const secretMembers: ReadonlySet<string> = new Set(['clientSecret', 'privateKey', 'certificate'])

/**
 * Returns a copy of `value` with every `{ "env" }` / `{ "file" }` reference in a secret member
 * replaced by what it names. `configPath` anchors relative file paths.
 *
 * @example
 * ```ts
 * const server = await resolveSecretReferences(json, 'server.json', process.env)
 * ```
 */
export async function resolveSecretReferences(value: unknown, configPath: string, env: Readonly<Record<string, string | undefined>>): Promise<unknown> {
  const walk = async (node: unknown, path: string): Promise<unknown> => {
    if (Array.isArray(node)) return Promise.all(node.map((item, i) => walk(item, `${path}[${i}]`)))
    if (typeof node !== 'object' || node === null) return node
    const out: Record<string, unknown> = {}
    for (const [key, member] of Object.entries(node)) {
      const memberPath = path === '' ? key : `${path}.${key}`
      out[key] = secretMembers.has(key) && isReference(member) ? await dereference(member, memberPath) : await walk(member, memberPath)
    }
    return out
  }
  const dereference = async (reference: Record<string, unknown>, path: string): Promise<string> => {
    if ('env' in reference) {
      const name = reference.env
      if (typeof name !== 'string' || name === '') throw new UsageError(`${configPath}: ${path}.env must name an environment variable`)
      const found = env[name]
      if (found === undefined || found === '') throw new UsageError(`${configPath}: ${path} refers to the environment variable ${name}, which is not set`)
      return found
    }
    const file = reference.file
    if (typeof file !== 'string' || file === '') throw new UsageError(`${configPath}: ${path}.file must be a file path`)
    const target = resolve(dirname(configPath), file)
    try {
      return (await readFile(target, 'utf8')).replace(/\r?\n$/, '')
    } catch (e) {
      throw new UsageError(`${configPath}: ${path} refers to the file ${target}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  return walk(value, '')
}

function isReference(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const keys = Object.keys(value)
  return keys.length === 1 && (keys[0] === 'env' || keys[0] === 'file')
}
