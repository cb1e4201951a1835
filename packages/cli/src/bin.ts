#!/usr/bin/env node
// The executable: wires the process's streams to `main` and sets the exit code.
import { main } from './main.ts'

main(process.argv.slice(2), {
  stdin: process.stdin,
  write: (line) => process.stdout.write(`${line}\n`),
  writeError: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`tokenward: ${String(e)}\n`)
    process.exitCode = 70
  },
)
