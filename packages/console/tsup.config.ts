// The console ships its page's script and style inside its own server bundle: the browser code
// (src/browser) is bundled for the browser first and handed to the server code as the module
// `#console-assets`, so the handler needs no file system and runs unchanged on Workers too.
import { readFile } from 'node:fs/promises'
import { build, type Plugin } from 'esbuild'
import { defineConfig } from 'tsup'
import { adapterBuild } from '../../tsup.adapter.ts'

const consoleAssets: Plugin = {
  name: 'console-assets',
  setup(b) {
    b.onResolve({ filter: /^#console-assets$/ }, () => ({ path: 'console-assets', namespace: 'console-assets' }))
    b.onLoad({ filter: /.*/, namespace: 'console-assets' }, async () => {
      const bundled = await build({
        entryPoints: ['src/browser/main.ts'],
        bundle: true,
        write: false,
        format: 'iife',
        platform: 'browser',
        target: 'es2022',
        minify: true,
        legalComments: 'none',
      })
      const script = bundled.outputFiles[0]?.text ?? ''
      const style = await readFile('src/browser/console.css', 'utf8')
      return { contents: `export const consoleScript = ${JSON.stringify(script)}\nexport const consoleStyle = ${JSON.stringify(style)}\n`, loader: 'js' }
    })
  },
}

export default defineConfig({ ...adapterBuild, esbuildPlugins: [consoleAssets] })
