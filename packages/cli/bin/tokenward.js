#!/usr/bin/env node
// The `tokenward` command as npm links it. This file is committed, not built: npm links a
// package's bin when it installs the workspace, before `dist/` exists on a fresh clone. It loads
// the build, or says how to make one.
import { existsSync } from 'node:fs'

const built = new URL('../dist/bin.js', import.meta.url)
if (existsSync(built)) {
  await import(built.href)
} else {
  process.stderr.write(
    'tokenward: the command is not built yet (packages/cli/dist/bin.js is missing).\n' +
      'Run `npm run build` (or `npm run build:packages`) at the repository root, then try again.\n',
  )
  process.exitCode = 1
}
