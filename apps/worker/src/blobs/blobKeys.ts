// Where a vault's binaries live in R2, beside its note segments (`vaults/<vaultId>/docs/…`). Manifests
// are chunks of packs too: named by their SHA-256, in the same format.

import { toHex } from '@amber/blobs'

export const blobKeys = {
  pack: (vaultId: string, packId: string) => `vaults/${vaultId}/packs/${packId}`,
} as const

/** A new pack id: random, so two uploads of the same chunks never write one object. */
export function createPackId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(16)))
}
