import { describe, expect, it } from 'vitest'
import { defaultFreshnessPolicy, type Freshness, freshnessFromHeaders, type FreshnessPolicy } from './cache-policy.ts'

const cases: ReadonlyArray<[string, Record<string, string>, FreshnessPolicy, Freshness]> = [
  ['absent header → default', {}, {}, { maxAgeSeconds: 600, source: 'default' }],
  ['no max-age among other directives → default', { 'cache-control': 'public, must-revalidate' }, {}, { maxAgeSeconds: 600, source: 'default' }],
  ['custom default', {}, { defaultMaxAgeSeconds: 1200 }, { maxAgeSeconds: 1200, source: 'default' }],
  ['custom default is clamped too', {}, { defaultMaxAgeSeconds: 5 }, { maxAgeSeconds: 60, source: 'default' }],
  ['max-age inside the bounds', { 'cache-control': 'public, max-age=3600' }, {}, { maxAgeSeconds: 3600, source: 'max-age' }],
  ['case-insensitive directive, spaces', { 'cache-control': ' Public ,  MAX-AGE=120 ' }, {}, { maxAgeSeconds: 120, source: 'max-age' }],
  ['quoted value', { 'cache-control': 'max-age="300"' }, {}, { maxAgeSeconds: 300, source: 'max-age' }],
  ['below the minimum → minimum', { 'cache-control': 'max-age=10' }, {}, { maxAgeSeconds: 60, source: 'max-age' }],
  ['max-age=0 → minimum', { 'cache-control': 'max-age=0' }, {}, { maxAgeSeconds: 60, source: 'max-age' }],
  ['above the maximum → maximum', { 'cache-control': 'max-age=31536000' }, {}, { maxAgeSeconds: 86400, source: 'max-age' }],
  ['custom bounds', { 'cache-control': 'max-age=10' }, { minMaxAgeSeconds: 5, maxMaxAgeSeconds: 8 }, { maxAgeSeconds: 8, source: 'max-age' }],
  ['Age is subtracted', { 'cache-control': 'max-age=600', age: '100' }, {}, { maxAgeSeconds: 500, source: 'max-age' }],
  ['Age beyond max-age → minimum', { 'cache-control': 'max-age=600', age: '9000' }, {}, { maxAgeSeconds: 60, source: 'max-age' }],
  ['unreadable Age ignored', { 'cache-control': 'max-age=600', age: 'soon' }, {}, { maxAgeSeconds: 600, source: 'max-age' }],
  ['no-store → minimum', { 'cache-control': 'no-store, max-age=3600' }, {}, { maxAgeSeconds: 60, source: 'no-cache' }],
  ['no-cache → minimum', { 'cache-control': 'no-cache' }, {}, { maxAgeSeconds: 60, source: 'no-cache' }],
  ['field-scoped no-cache still counts', { 'cache-control': 'no-cache="set-cookie", max-age=900' }, {}, { maxAgeSeconds: 60, source: 'no-cache' }],
  ['non-numeric max-age → minimum', { 'cache-control': 'max-age=ten' }, {}, { maxAgeSeconds: 60, source: 'invalid' }],
  ['negative max-age → minimum', { 'cache-control': 'max-age=-5' }, {}, { maxAgeSeconds: 60, source: 'invalid' }],
  ['fractional max-age → minimum', { 'cache-control': 'max-age=1.5' }, {}, { maxAgeSeconds: 60, source: 'invalid' }],
  ['max-age without value → minimum', { 'cache-control': 'max-age' }, {}, { maxAgeSeconds: 60, source: 'invalid' }],
  ['repeated max-age → minimum', { 'cache-control': 'max-age=900, max-age=1200' }, {}, { maxAgeSeconds: 60, source: 'invalid' }],
  ['s-maxage is ignored', { 'cache-control': 's-maxage=5000' }, {}, { maxAgeSeconds: 600, source: 'default' }],
  ['Expires is ignored', { expires: 'Thu, 01 Jan 2099 00:00:00 GMT' }, {}, { maxAgeSeconds: 600, source: 'default' }],
  ['min above max: min wins', { 'cache-control': 'max-age=1' }, { minMaxAgeSeconds: 100, maxMaxAgeSeconds: 50 }, { maxAgeSeconds: 100, source: 'max-age' }],
]

describe('freshnessFromHeaders', () => {
  it.each(cases)('%s', (_name, headers, policy, expected) => {
    expect(freshnessFromHeaders(new Headers(headers), policy)).toEqual(expected)
  })

  it('merges repeated Cache-Control header lines as one list', () => {
    const headers = new Headers()
    headers.append('cache-control', 'public')
    headers.append('cache-control', 'max-age=1800')
    expect(freshnessFromHeaders(headers)).toEqual({ maxAgeSeconds: 1800, source: 'max-age' })
  })

  it('documents its defaults', () => {
    expect(defaultFreshnessPolicy).toEqual({ minMaxAgeSeconds: 60, maxMaxAgeSeconds: 86400, defaultMaxAgeSeconds: 600 })
  })
})
