/**
 * `tokenward inspect`: decode a token without verifying it, and explain it.
 *
 * @module
 */
import { parseArgs } from 'node:util'
import { inspectToken } from '@tokenward/core'
import { UsageError } from './usage.ts'
import type { CommandIo } from './verify-command.ts'

/**
 * Runs `tokenward inspect <token>`; exit 0 when the token decodes, 1 when it is malformed.
 *
 * @example
 * ```ts
 * const code = await runInspect([jwt], io)
 * ```
 */
export async function runInspect(args: readonly string[], io: CommandIo, nowSeconds = Date.now() / 1000): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], options: {}, strict: true, allowPositionals: true })
  if (positionals.length !== 1) throw new UsageError('expected exactly one token: tokenward inspect <token>')
  const report = inspectToken(positionals[0]!, nowSeconds)
  io.write(JSON.stringify(report, null, 2))
  return report.decoded ? 0 : 1
}
