// The "Validate" report in words an admin reads: reachable, TLS, keys and algorithms, problems;
// and the introspection check: reachable, TLS, whether the credentials and the answers are good.
import type { JwksValidationResult } from '@tokenward/registry'

type Report = NonNullable<JwksValidationResult['report']>
type IntrospectionReport = NonNullable<JwksValidationResult['introspection']>

const tlsWords: Readonly<Record<Report['tls'], string>> = {
  ok: 'TLS: the server certificate is valid.',
  failed: 'TLS: the server certificate was refused.',
  not_checked: 'TLS: the server certificate was not checked.',
  not_applicable: 'TLS: not used (plain HTTP on this machine).',
}

/** The report as sentences, first the verdict. */
export function reportInWords(report: Report): string[] {
  const lines: string[] = [report.ok ? 'Validation succeeded.' : 'Validation failed.']
  lines.push(report.reachable ? 'Reachable: the JWKS location answered.' : 'Not reachable: the JWKS location did not answer.')
  if (report.reachable) lines.push(tlsWords[report.tls])
  if (report.validJwkSet) {
    const usable = report.keys.filter((k) => k.usable)
    const algorithms = [...new Set(usable.flatMap((k) => k.algorithms))]
    const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`
    lines.push(
      `Keys: ${plural(report.keys.length, 'key')} found, ${plural(report.usableSigningKeyCount, 'usable signing key')}${algorithms.length > 0 ? ` (${algorithms.join(', ')})` : ''}.`,
    )
  } else if (report.reachable) lines.push('Keys: the answer is not a JSON Web Key Set.')
  for (const problem of report.problems) lines.push(`Problem: ${problem}`)
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`)
  return lines
}

const introspectionOutcomeWords: Readonly<Record<IntrospectionReport['outcome'], string>> = {
  healthy: 'Introspection: the authorization server accepted the client credentials and answered "not active" for a random string, as it should.',
  credentials_refused: 'Introspection: the authorization server refused the client credentials.',
  active_for_random_token: 'Introspection: the authorization server called a random string an active token.',
  unreachable: 'Introspection: the introspection endpoint did not answer.',
  tls_failed: 'Introspection: the TLS connection to the introspection endpoint failed.',
  address_not_allowed: 'Introspection: the introspection endpoint\'s address is not allowed.',
  server_error: 'Introspection: the introspection endpoint failed (server error).',
  unexpected_answer: 'Introspection: the introspection endpoint gave an unexpected answer.',
  not_prepared: 'Introspection: the client authentication could not be prepared.',
}

/** The introspection check as sentences. */
export function introspectionInWords(report: IntrospectionReport): string[] {
  const lines: string[] = [introspectionOutcomeWords[report.outcome]]
  lines.push(report.reachable ? 'Reachable: the introspection endpoint answered.' : 'Not reachable: the introspection endpoint did not answer.')
  if (report.reachable) lines.push(tlsWords[report.tls])
  for (const problem of report.problems) lines.push(`Problem: ${problem}`)
  for (const warning of report.warnings) lines.push(`Warning: ${warning}`)
  return lines
}

/** A whole validation answer as sentences: the verdict, discovery, the JWKS check, the introspection check. */
export function resultInWords(result: JwksValidationResult): string[] {
  const checks = [result.discovery, result.report, result.introspection].filter((c) => c !== undefined)
  const ok = checks.length > 0 && checks.every((c) => c.ok) && result.validationId !== undefined
  const lines: string[] = [ok ? 'Validation succeeded.' : 'Validation failed.']
  if (result.discovery !== undefined) {
    lines.push(result.discovery.ok ? 'Discovery: the authorization server metadata was read.' : 'Discovery: the authorization server metadata could not be used.')
    for (const problem of result.discovery.problems) lines.push(`Problem: ${problem}`)
  }
  if (result.report !== undefined) lines.push(...reportInWords(result.report).slice(1))
  if (result.introspection !== undefined) lines.push(...introspectionInWords(result.introspection))
  return lines
}
