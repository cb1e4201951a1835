import { describe, expect, it } from 'vitest'
import { readBoundedStream } from './bytes.ts'

/** A stream of the given chunks, recording whether the reader cancelled it. */
function streamOf(chunks: number[][], fail = false) {
  const state = { cancelled: false, pulled: 0 }
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled < chunks.length) controller.enqueue(Uint8Array.from(chunks[state.pulled++]!))
      else if (fail) controller.error(new Error('connection reset'))
      else controller.close()
    },
    cancel() {
      state.cancelled = true
    },
  })
  return { stream, state }
}

describe('readBoundedStream', () => {
  it('joins the chunks of a body up to and at the limit', async () => {
    expect(await readBoundedStream(null, 10)).toEqual(new Uint8Array(0))
    expect(await readBoundedStream(streamOf([[1, 2], [3], [4, 5]]).stream, 5)).toEqual(Uint8Array.from([1, 2, 3, 4, 5]))
    expect(await readBoundedStream(streamOf([[7, 8, 9]]).stream, 3)).toEqual(Uint8Array.from([7, 8, 9]))
  })

  it('stops at the first byte past the limit, cancels the stream and reads no further', async () => {
    const { stream, state } = streamOf([[1, 2], [3, 4], [5], [6]])
    expect(await readBoundedStream(stream, 3)).toBeNull()
    expect(state.cancelled).toBe(true)
    expect(state.pulled).toBeLessThanOrEqual(3)
  })

  it('rejects when the stream fails', async () => {
    await expect(readBoundedStream(streamOf([[1]], true).stream, 10)).rejects.toThrow('connection reset')
  })
})
