// The `tokenward` command run by name, as a new user runs it after `npm ci && npm test` on a fresh
// clone: npm links the bin when it installs the workspace, before anything is built, so the bin it
// links must be a committed file that loads the build. Needs the build (`npm test` runs it first).
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const cliPackage = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8')) as { version: string; bin: Record<string, string>; files: string[] }
// npx must find the linked bin; offline, a missing link fails instead of asking the registry.
const env = { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' }
const scratch: string[] = []
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true })
})

describe('tokenward by name', () => {
  it('the bin npm links is a committed file, shipped in the package', () => {
    const bin = cliPackage.bin['tokenward']!
    expect(bin).toBe('./bin/tokenward.js')
    expect(execFileSync('git', ['ls-files', '--error-unmatch', join('packages/cli', bin)], { cwd: root, encoding: 'utf8' }).trim()).toBe('packages/cli/bin/tokenward.js')
    expect(cliPackage.files).toContain('bin')
  })

  it('`npx tokenward --help` prints the usage', () => {
    const result = spawnSync('npx', ['tokenward', '--help'], { cwd: root, encoding: 'utf8', env })
    expect(result.stderr).not.toMatch(/404|not found/i)
    expect(result.status).toBe(0)
    expect(result.stdout).toMatch(/^tokenward — verify OAuth 2\.0 access tokens/)
    expect(result.stdout).toContain('tokenward verify --config <file>')
  })

  it('node_modules/.bin/tokenward is linked to the committed entry and answers --version', () => {
    const link = join(root, 'node_modules/.bin/tokenward')
    expect(realpathSync(link)).toBe(realpathSync(join(root, 'packages/cli/bin/tokenward.js')))
    expect(execFileSync(link, ['--version'], { cwd: root, encoding: 'utf8', env }).trim()).toBe(cliPackage.version)
  })

  it('says to run the build, and exits 1, when dist/ is missing', () => {
    const unbuilt = mkdtempSync(join(tmpdir(), 'tokenward-unbuilt-'))
    scratch.push(unbuilt)
    mkdirSync(join(unbuilt, 'bin'))
    copyFileSync(join(root, 'packages/cli/bin/tokenward.js'), join(unbuilt, 'bin/tokenward.js'))
    const result = spawnSync(process.execPath, [join(unbuilt, 'bin/tokenward.js'), '--help'], { encoding: 'utf8' })
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/not built yet[\s\S]*Run `npm run build`/)
  })
})
