// One real local server (`wrangler dev`) for the whole end-to-end run, on free ports with its own state
// directory, with the storage-write delay hook on so a test can watch a client wait for its durable ack.
// Tests reach it through `inject('amberServer')` (Node and workerd alike).

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { WranglerDev, freePort } from '@amber/worker/local-server'

/** Every hot-storage commit is held back this long: acks come measurably after the relay. */
export const COMMIT_DELAY_MS = 150

export interface AmberServer {
  readonly origin: string
  readonly adminToken: string
  readonly commitDelayMs: number
  /** The port the Chromium test serves its page on: that origin is allowed to call the server. */
  readonly pagePort: number
}

declare module 'vitest' {
  export interface ProvidedContext {
    amberServer: AmberServer
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const persistTo = await mkdtemp(path.join(tmpdir(), 'amber-client-e2e-'))
  const pagePort = await freePort()
  const server = await WranglerDev.start({
    persistTo,
    vars: {
      AMBER_TEST_COMMIT_DELAY_MS: String(COMMIT_DELAY_MS),
      AMBER_ALLOWED_ORIGINS: `http://127.0.0.1:${pagePort}`,
    },
  })
  project.provide('amberServer', {
    origin: server.origin,
    adminToken: server.adminToken,
    commitDelayMs: COMMIT_DELAY_MS,
    pagePort,
  })
  return async () => {
    await server.kill()
    await rm(persistTo, { recursive: true, force: true })
  }
}
