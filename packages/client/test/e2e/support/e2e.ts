// Helpers shared by the end-to-end tests: the server from globalSetup, vaults created through the admin
// API, SDK vaults over `ws`, and waits on document events (never on the clock).

import { inject } from 'vitest'
import WebSocket from 'ws'
import type * as Y from 'yjs'
import { connectVault } from '../../../src/index.ts'
import type { ConnectVaultOptions, LocalStore, Vault } from '../../../src/index.ts'

export interface CreatedVault {
  readonly vaultId: string
  readonly token: string
}

export function amberServer() {
  return inject('amberServer')
}

/** A new vault and its owner token, through `POST /api/v1/vaults` with the admin secret. */
export async function createVault(name: string): Promise<CreatedVault> {
  const { origin, adminToken } = amberServer()
  const res = await fetch(`${origin}/api/v1/vaults`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  })
  if (!res.ok) throw new Error(`creating a vault answered ${res.status}: ${await res.text()}`)
  return (await res.json()) as CreatedVault
}

/** Mints another token of `role` with the owner's token. */
export async function createToken(vault: CreatedVault, role: 'owner' | 'editor' | 'viewer'): Promise<string> {
  const res = await fetch(`${amberServer().origin}/api/v1/vaults/${vault.vaultId}/tokens`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${vault.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ role, label: `e2e ${role}` }),
  })
  if (!res.ok) throw new Error(`minting a token answered ${res.status}: ${await res.text()}`)
  return ((await res.json()) as { token: string }).token
}

const opened: Vault[] = []

/** Connects an SDK vault from Node (`ws`, credential in the upgrade header). */
export async function openVault(
  vault: CreatedVault,
  store: LocalStore,
  extra: Partial<ConnectVaultOptions> = {},
): Promise<Vault> {
  const connected = await connectVault({
    url: amberServer().origin,
    vaultId: vault.vaultId,
    credential: vault.token,
    store,
    WebSocket,
    reconnect: { minDelayMs: 50, maxDelayMs: 1_000 },
    ...extra,
  })
  opened.push(connected)
  return connected
}

/** Closes every vault `openVault` opened (afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all(opened.splice(0).map((vault) => vault.close()))
}

/** Resolves when `check` holds, re-checked after every update of `doc`. */
export function untilDoc(doc: Y.Doc, check: () => boolean): Promise<void> {
  if (check()) return Promise.resolve()
  return new Promise((resolve) => {
    const onUpdate = (): void => {
      if (!check()) return
      doc.off('update', onUpdate)
      resolve()
    }
    doc.on('update', onUpdate)
  })
}

/** Tests print their seed and accept SEED= to replay. */
export function testSeed(): number {
  return process.env.SEED === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.SEED)
}

/** Resolves when `check` holds, re-checked after every change of the heads document or the tree. */
export function untilHeads(vault: Vault, check: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const stops: Array<() => void> = []
    const recheck = (): void => {
      if (stops.length < 2 || !check()) return
      for (const stop of stops.splice(0)) stop()
      resolve()
    }
    stops.push(vault.on('head', recheck), vault.tree.watch(recheck))
    recheck()
  })
}
