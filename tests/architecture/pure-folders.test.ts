/**
 * ARCHITECTURE.md's first rule, checked: pure folders never import `effect`, a platform
 * implementation or a state implementation — directly or through another core module.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../../packages/core/src')

const pureRoots = ['claims', 'dpop', 'mtls', 'challenge', 'metadata', 'sender-constraint', 'scope', 'jws', 'jose', 'keys', 'organization', 'request', 'network', 'http', 'config', 'jwks/jwks-snapshot.ts', 'jwks/refresh-planner.ts', 'jwks/cache-policy.ts', 'verifier/verification-pipeline.ts']

function sources(path: string): string[] {
  const full = join(src, path)
  if (statSync(full).isFile()) return [full]
  return readdirSync(full, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.includes('test-support'))
    .map((f) => join(full, f))
}

const specifiers = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1]!)

/** Every core module a file reaches through relative imports, itself included. */
function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  for (const spec of specifiers(file)) if (spec.startsWith('.')) closure(resolve(dirname(file), spec), seen)
  return seen
}

describe('pure folders stay pure', () => {
  for (const root of pureRoots) {
    it(`${root} reaches no effect, platform implementation or state implementation`, () => {
      const offenders: string[] = []
      for (const file of sources(root)) {
        for (const reached of closure(file)) {
          const rel = relative(src, reached)
          if (/^platform\/(node|web)/.test(rel)) offenders.push(`${relative(src, file)} → ${rel}`)
          for (const spec of specifiers(reached)) {
            if (spec === 'effect' || spec.startsWith('effect/')) offenders.push(`${relative(src, file)} → ${rel} → ${spec}`)
          }
        }
      }
      expect(offenders).toEqual([])
    })
  }
})
