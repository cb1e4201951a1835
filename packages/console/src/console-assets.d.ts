// The page's script and style, bundled by tsup.config.ts (see the `console-assets` plugin).
declare module '#console-assets' {
  export const consoleScript: string
  export const consoleStyle: string
}
