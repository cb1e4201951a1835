/**
 * The `tokenward` command.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { runDiscover } from './discover-command.ts'
import { runInspect } from './inspect-command.ts'
import { runIssuer } from './issuer-command.ts'
import { runJwks } from './jwks-command.ts'
import { UsageError, usage } from './usage.ts'
import { runVerify, type CommandIo } from './verify-command.ts'
import { runVerifyRequest } from './verify-request-command.ts'

/**
 * Runs the CLI with the given arguments and returns the exit code (0 ok, 1 rejected/invalid, 2 usage or config error).
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), { stdin: process.stdin, write: console.log, writeError: console.error })
 * ```
 */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const [command, ...rest] = argv
  try {
    switch (command) {
      case 'verify':
        return await runVerify(rest, io)
      case 'verify-request':
        return await runVerifyRequest(rest, io)
      case 'jwks':
        return await runJwks(rest, io)
      case 'inspect':
        return await runInspect(rest, io)
      case 'issuer':
        return await runIssuer(rest, io)
      case 'discover':
        return await runDiscover(rest, io)
      case '--version':
      case '-v':
        io.write(readVersion())
        return 0
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.write(usage)
        return command === undefined ? 2 : 0
      default:
        throw new UsageError(`unknown command "${command}"`)
    }
  } catch (e) {
    if (e instanceof UsageError || isParseArgsError(e)) {
      io.writeError(`tokenward: ${(e as Error).message}`)
      io.writeError('Run "tokenward --help" for usage.')
      return 2
    }
    io.writeError(`tokenward: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`)
    return 70
  }
}

function isParseArgsError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}

