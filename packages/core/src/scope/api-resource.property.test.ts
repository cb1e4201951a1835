import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { authorizeApiResource } from './api-resource-grant.ts'
import { defineApiResources, type ApiResourceRow } from './api-resource-table.ts'
import type { ApiRole } from './api-role.ts'

// Small alphabets so that roles, categories and path literals collide often.
const categories = ['reports', 'policies', 'audit', 'billing'] as const
const roleNames = ['ReadOnly', 'Admin', 'Auditor', 'Billing', 'None'] as const
const literals = ['orgs', 'reports', 'export', 'policies', 'users'] as const
const methods = ['GET', 'POST', 'DELETE'] as const
const orgIds = ['12345', '67890'] as const

const roleMap = fc.dictionary(fc.constantFrom(...roleNames), fc.uniqueArray(fc.constantFrom(...categories), { maxLength: 4 }), { maxKeys: 5 })
const tokenRoles = fc.array(
  fc.record({ cloud: fc.constantFrom('zscloud', 'other'), orgId: fc.constantFrom(...orgIds), role: fc.constantFrom(...roleNames) }),
  { maxLength: 5 },
)
const grants = (roles: readonly ApiRole[], map: Readonly<Record<string, readonly string[]>>, orgId: string, category: string) =>
  roles.some((r) => r.cloud === 'zscloud' && r.orgId === orgId && Object.hasOwn(map, r.role) && map[r.role]!.includes(category))

describe('RBAC over API resources (property)', () => {
  // Tables without overlapping routes: each route starts with its own literal, so the row a
  // request was built from is the only one it can match.
  const disjointTable = fc
    .uniqueArray(
      fc.record({
        head: fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), minLength: 1, maxLength: 3 }),
        tail: fc.array(fc.oneof(fc.constantFrom(...literals), fc.constant('{p}')), { maxLength: 3 }),
        method: fc.constantFrom(...methods),
        category: fc.constantFrom(...categories),
      }),
      { selector: (r) => r.head, minLength: 1, maxLength: 6 },
    )
    .map((routes) => routes.map((r) => ({ ...r, path: `/${[r.head, ...r.tail].join('/')}` })))
  const paramValue = fc.string({ unit: fc.constantFrom('x', 'y', '7', '-'), minLength: 1, maxLength: 4 })

  it('grants exactly when some API role of the token, in this organization, grants the route’s category', () => {
    fc.assert(
      fc.property(disjointTable, roleMap, tokenRoles, fc.constantFrom(...orgIds), fc.nat(), fc.array(paramValue, { minLength: 3, maxLength: 3 }), (routes, map, roles, orgId, pick, values) => {
        const rows: ApiResourceRow[] = routes.map((r) => ({ category: r.category, routes: [{ method: r.method, path: r.path }] }))
        const table = defineApiResources(rows)
        const route = routes[pick % routes.length]!
        let v = 0
        const path = route.path.replace(/\{p\}/g, () => values[v++]!)
        const match = table.match(route.method, `https://api.example.com${path}?q=1`)
        expect(match).toEqual({ kind: 'category', category: route.category, route: `${route.method} ${route.path}` })
        if (match.kind !== 'category') return
        const decision = authorizeApiResource(roles, { cloud: 'zscloud', orgId, apiRoles: map, category: match.category })
        expect(decision.ok).toBe(grants(roles, map, orgId, route.category))
        if (decision.ok) {
          expect(decision.value.orgId).toBe(orgId)
          expect(map[decision.value.role]).toContain(route.category)
        }
      }),
      { numRuns: 400 },
    )
  })

  it('never grants with roles of another organization, whatever they grant', () => {
    fc.assert(
      fc.property(roleMap, fc.array(fc.constantFrom(...roleNames), { maxLength: 5 }), fc.constantFrom(...categories), (map, names, category) => {
        const foreign: ApiRole[] = names.map((role) => ({ cloud: 'zscloud', orgId: '67890', role }))
        expect(authorizeApiResource(foreign, { cloud: 'zscloud', orgId: '12345', apiRoles: map, category }).ok).toBe(false)
      }),
      { numRuns: 300 },
    )
  })

  // Overlapping tables (literals and parameters at the same positions, '*' methods), and requests
  // built from a route then disguised: a disguise is refused, or reads exactly as the plain path.
  const overlappingTable = fc.array(
    fc.record({
      segments: fc.array(fc.oneof(fc.constantFrom(...literals), fc.constant('{p}')), { minLength: 1, maxLength: 4 }),
      method: fc.constantFrom('GET', '*'),
      category: fc.constantFrom(...categories),
    }),
    { minLength: 1, maxLength: 8 },
  )
  const disguise = fc.constantFrom('dot', 'dot-encoded', 'encoded-slash', 'encode-char', 'upper', 'backslash', 'double-slash')
  const applyDisguise = (segments: string[], kind: string, at: number): string => {
    const s = [...segments]
    const i = at % s.length
    const seg = s[i]!
    switch (kind) {
      case 'dot':
        s.splice(i, 0, 'zz', '..')
        break
      case 'dot-encoded':
        s.splice(i, 0, 'zz', '%2E%2e')
        break
      case 'encoded-slash':
        s[i] = `${seg}%2F..%2f${seg}`
        break
      case 'encode-char':
        s[i] = `%${seg.charCodeAt(0).toString(16)}${seg.slice(1)}`
        break
      case 'upper':
        s[i] = seg.toUpperCase()
        break
      case 'backslash':
        s[i] = `${seg}\\..`
        break
      case 'double-slash':
        s.splice(i, 0, '')
        break
    }
    return `/${s.join('/')}`
  }

  it('raw-path tricks never match another row than the plain path', () => {
    fc.assert(
      fc.property(overlappingTable, fc.nat(), fc.nat(), disguise, fc.constantFrom('x', 'reports', 'export', 'y7'), (specs, pick, at, kind, value) => {
        const seen = new Set<string>()
        const rows: ApiResourceRow[] = []
        for (const spec of specs) {
          const shape = `${spec.method} ${spec.segments.map((s) => (s === '{p}' ? '{}' : s)).join('/')}`
          if (seen.has(shape)) continue
          seen.add(shape)
          rows.push({ category: spec.category, routes: [{ method: spec.method, path: `/${spec.segments.join('/')}` }] })
        }
        const table = defineApiResources(rows)
        const base = specs[pick % specs.length]!
        const segments = base.segments.map((s) => (s === '{p}' ? value : s))
        const plain = table.match('GET', `/${segments.join('/')}`)
        const tricked = table.match('GET', applyDisguise(segments, kind, at))
        if (tricked.kind !== 'refused') expect(tricked).toEqual(plain)
        if (kind !== 'upper' && kind !== 'encode-char') expect(tricked).toEqual({ kind: 'refused', reason: 'ambiguous' })
      }),
      { numRuns: 500 },
    )
  })
})
