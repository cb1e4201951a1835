/**
 * `tokenward jwks validate`: the admin UI's "Validate" button on the command line.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { checkAddressPolicy, validateJwks, type AddressPolicy } from '@tokenward/core'
import { UsageError } from './usage.ts'
import type { CommandIo } from './verify-command.ts'

/**
 * Runs `tokenward jwks validate <url>` and returns the exit code. The operator's own check: any
 * address, full detail. `--as-tenant` shows what the admin API's Validate answers a tenant (the
 * strict address policy, widened by `--allow <cidr|host>`, and the tenant report).
 *
 * @example
 * ```ts
 * const code = await runJwks(['validate', 'https://idp.example/keys'], io)
 * ```
 */
export async function runJwks(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      'no-certificate-validation': { type: 'boolean' },
      ca: { type: 'string', multiple: true },
      'as-tenant': { type: 'boolean' },
      allow: { type: 'string', multiple: true },
    },
    strict: true,
    allowPositionals: true,
  })
  if (positionals[0] !== 'validate') throw new UsageError('expected: tokenward jwks validate <url>')
  if (positionals.length !== 2) throw new UsageError('expected exactly one URL: tokenward jwks validate <url>')
  const trustedCertificates: string[] = []
  for (const file of values.ca ?? []) {
    try {
      trustedCertificates.push(await readFile(file, 'utf8'))
    } catch (e) {
      throw new UsageError(`cannot read --ca ${file}: ${(e as Error).message}`)
    }
  }
  let addressPolicy: AddressPolicy | undefined
  if (values['as-tenant'] === true) {
    const policy = checkAddressPolicy({ allow: values.allow ?? [] }, '')
    if (!policy.ok) throw new UsageError(`--allow: ${policy.issues.map((i) => `${i.path} ${i.message}`).join('; ')}`)
    addressPolicy = policy.policy
  } else if (values.allow !== undefined) throw new UsageError('--allow only applies with --as-tenant')
  const report = await validateJwks({
    url: positionals[1]!,
    certificateValidation: values['no-certificate-validation'] !== true,
    trustedCertificates,
    ...(addressPolicy === undefined ? {} : { addressPolicy, detail: 'tenant' as const }),
  })
  io.write(JSON.stringify(report, null, 2))
  return report.ok ? 0 : 1
}
