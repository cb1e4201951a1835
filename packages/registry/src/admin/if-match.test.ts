import { describe, expect, it } from 'vitest'
import { ifMatchAllows, parseIfMatch, revisionTag } from './if-match.ts'

describe('parseIfMatch', () => {
  it.each([
    [null, { kind: 'absent' }],
    ['*', { kind: 'any' }],
    [' * ', { kind: 'any' }],
    ['"7"', { kind: 'tags', tags: ['"7"'] }],
    ['"6", W/"7" ,"8"', { kind: 'tags', tags: ['"6"', 'W/"7"', '"8"'] }],
    ['7', undefined],
    ['', undefined],
    ['"7", ', undefined],
    ['"a"b"', undefined],
    ['*, "7"', undefined],
  ] as const)('%j → %j', (value, expected) => {
    expect(parseIfMatch(value)).toEqual(expected)
  })
})

describe('ifMatchAllows', () => {
  it.each([
    [{ kind: 'absent' }, 7, true],
    [{ kind: 'any' }, 7, true],
    [{ kind: 'tags', tags: ['"7"'] }, 7, true],
    [{ kind: 'tags', tags: ['"6"', '"7"'] }, 7, true],
    [{ kind: 'tags', tags: ['"6"'] }, 7, false],
    [{ kind: 'tags', tags: ['W/"7"'] }, 7, false],
    [{ kind: 'tags', tags: ['"07"'] }, 7, false],
  ] as const)('%j at %i → %s', (ifMatch, revision, expected) => {
    expect(ifMatchAllows(ifMatch, revision)).toBe(expected)
  })

  it('tags revisions as strong entity tags', () => {
    expect(revisionTag(12)).toBe('"12"')
  })
})
