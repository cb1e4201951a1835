// Worker thread body for mint-pool.mjs: signs the requested range of tokens and posts them back.
import { parentPort, workerData } from 'node:worker_threads'
import { mintAccessToken, signingKeyFrom } from './tokens.mjs'

const { key, prefix, nowSeconds } = workerData
const signingKey = signingKeyFrom(key)
parentPort.on('message', ({ from, to }) => {
  const tokens = []
  for (let i = from; i < to; i++) tokens.push(mintAccessToken(signingKey, `${prefix}-${i}`, nowSeconds))
  parentPort.postMessage(tokens)
})
