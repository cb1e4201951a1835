import { defineConfig } from 'tsup'
import { adapterBuild } from '../../tsup.adapter.ts'

export default defineConfig(adapterBuild)
