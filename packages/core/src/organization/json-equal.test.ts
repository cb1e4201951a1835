import { describe, expect, it } from 'vitest'
import { isJsonEqual } from './json-equal.ts'

describe('isJsonEqual', () => {
  it.each<[unknown, unknown, boolean]>([
    [1, 1, true],
    [Number.NaN, Number.NaN, true],
    ['a', 'b', false],
    [null, {}, false],
    [[], {}, false],
    [[1, [2]], [1, [2]], true],
    [[1, 2], [2, 1], false],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: { b: [1] } }, { a: { b: [2] } }, false],
  ])('%j vs %j → %s', (a, b, expected) => {
    expect(isJsonEqual(a, b)).toBe(expected)
    expect(isJsonEqual(b, a)).toBe(expected)
  })
})
