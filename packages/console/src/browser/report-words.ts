// The "Validate" report in words an admin reads: reachable, TLS, keys and algorithms, problems.
import type { JwksValidationResult } from '@tokenward/registry'

type Report = JwksValidationResult['report']

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
