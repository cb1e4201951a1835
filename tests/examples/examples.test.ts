// The examples as an evaluator runs them (built packages, Node 24 running the TypeScript sources).
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

describe('examples', () => {
  it('the Lambda example invokes its authorizer and handler locally with sample events', () => {
    const out = execFileSync(process.execPath, ['examples/lambda/src/invoke-locally.ts'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
    expect(out).toMatch(/TOKEN authorizer → Allow/)
    expect(out).toMatch(/throws "Unauthorized"/)
    expect(out).toMatch(/statusCode: 200/)
    expect(out).toMatch(/statusCode: 401/)
  })
})
