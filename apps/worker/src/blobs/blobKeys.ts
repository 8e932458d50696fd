// Where a vault's binaries live in R2, beside its note segments (`vaults/<vaultId>/docs/…`).

import { toHex } from '@amber/blobs'

export const blobKeys = {
  pack: (vaultId: string, packId: string) => `vaults/${vaultId}/packs/${packId}`,
  manifest: (vaultId: string, version: string) => `vaults/${vaultId}/manifests/${version}`,
} as const

/** A new pack id: random, so two uploads of the same chunks never write one object. */
export function createPackId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)))
}
