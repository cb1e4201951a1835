/**
 * `tokenward discover <issuer>`: what an authorization server publishes about itself, and what
 * tokenward would use from it.
 *
 * @module
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { createDiscoveryClient, discoveredEndpoint, platformHttpGet, type DiscoveryEvent } from '@tokenward/core'
import { UsageError } from './usage.ts'
import type { CommandIo } from './verify-command.ts'

/**
 * Runs `tokenward discover <issuer>` and returns the exit code: 0 with the metadata and what
 * tokenward would use (`jwksUrl`, `introspectionEndpoint`, `tokenEndpoint`; with `--mtls` the
 * `mtls_endpoint_aliases` entries), 1 when no usable document was found (another issuer, not
 * found, unreachable), 2 on a usage error.
 *
 * @example
 * ```ts
 * const code = await runDiscover(['https://as.example', '--ca', 'corp-root.pem'], io)
 * ```
 */
export async function runDiscover(args: readonly string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: {
      'metadata-url': { type: 'string' },
      ca: { type: 'string', multiple: true },
      'trust-only': { type: 'boolean' },
      'no-certificate-validation': { type: 'boolean' },
      proxy: { type: 'string' },
      mtls: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length !== 1) throw new UsageError('expected exactly one issuer: tokenward discover <issuer>')
  const trustedCertificates: string[] = []
  for (const file of values.ca ?? []) {
    try {
      trustedCertificates.push(await readFile(file, 'utf8'))
    } catch (e) {
      throw new UsageError(`cannot read --ca ${file}: ${(e as Error).message}`)
    }
  }
  if (values['trust-only'] === true && trustedCertificates.length === 0) throw new UsageError('--trust-only needs at least one --ca')
  if (values.proxy !== undefined && !URL.canParse(values.proxy)) throw new UsageError('--proxy must be a URL such as http://proxy.internal:3128')
  const events: DiscoveryEvent[] = []
  let client: ReturnType<typeof createDiscoveryClient>
  try {
    client = createDiscoveryClient({
      issuer: positionals[0]!,
      discovery: values['metadata-url'] ?? true,
      httpGet: platformHttpGet(),
      certificateValidation: values['no-certificate-validation'] !== true,
      trustedCertificates,
      trustMode: values['trust-only'] === true ? 'only' : 'add',
      proxy: values.proxy === undefined ? undefined : new URL(values.proxy),
      onEvent: (e) => events.push(e),
    })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  try {
    const metadata = await client.metadata()
    const mutualTls = values.mtls === true
    io.write(
      JSON.stringify(
        {
          ok: true,
          metadata,
          wouldUse: {
            jwksUrl: metadata.jwksUri ?? null,
            introspectionEndpoint: discoveredEndpoint(metadata, 'introspection_endpoint', mutualTls) ?? null,
            tokenEndpoint: discoveredEndpoint(metadata, 'token_endpoint', mutualTls) ?? null,
          },
        },
        null,
        2,
      ),
    )
    return 0
  } catch (e) {
    const error = e as { kind?: string; message?: string }
    const failed = events.find((event) => event.type === 'discovery_fetch_failed')
    io.write(JSON.stringify({ ok: false, kind: error.kind ?? 'internal', message: error.message ?? String(e), url: failed?.type === 'discovery_fetch_failed' ? failed.url : null }, null, 2))
    return 1
  }
}
