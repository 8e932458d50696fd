// Amber's own server (wrangler dev running the worker) as a bench target. Not wired yet: the engineer
// adding it implements start() (spawn `wrangler dev` on 127.0.0.1, storage under options.storageDir)
// and openNote() (an @amber/client vault session opening one note; whenDurable = the outbox ack).
import type { BenchTarget } from '../BenchTarget.ts'
import { TARGET_NOT_WIRED } from '../BenchTarget.ts'

export const amberTarget: BenchTarget = {
  name: 'amber',
  durable: true,
  multiplexes: true,
  description: 'Amber worker under wrangler dev (VaultDO), client @amber/client',
  async start() {
    throw new Error(TARGET_NOT_WIRED)
  },
  async openNote() {
    throw new Error(TARGET_NOT_WIRED)
  },
}
