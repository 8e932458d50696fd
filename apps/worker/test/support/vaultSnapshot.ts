// Everything the server stores for one vault, as comparable values: every row of the vault's Durable
// Object SQLite, every R2 object under the vault's prefix (with a content hash), and the vault's rows in
// the D1 registry. Two equal snapshots mean the stored state is byte-for-byte unchanged. A token's
// last_used_at is left out: it records that a valid credential was shown, even when its action was refused.

import { env, runInDurableObject } from 'cloudflare:test'

export interface VaultSnapshot {
  readonly durableObject: Record<string, unknown[]>
  readonly r2: Record<string, string>
  readonly registry: Record<string, unknown[]>
}

export async function snapshotVault(vaultId: string): Promise<VaultSnapshot> {
  const stub = env.VAULT.get(env.VAULT.idFromName(vaultId))
  const durableObject = await runInDurableObject(stub, (_instance, state) => {
    const tables = state.storage.sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' ORDER BY name")
      .toArray()
    const rows: Record<string, unknown[]> = {}
    for (const { name } of tables) rows[name] = state.storage.sql.exec(`SELECT * FROM "${name}" ORDER BY 1`).toArray().map(hexBlobs)
    return rows
  })
  const r2: Record<string, string> = {}
  let cursor: string | undefined
  do {
    const page = await env.BLOBS.list({ prefix: `vaults/${vaultId}/`, ...(cursor === undefined ? {} : { cursor }) })
    for (const object of page.objects) {
      const body = await env.BLOBS.get(object.key)
      r2[object.key] = body === null ? 'missing' : await sha256(await body.arrayBuffer())
    }
    cursor = page.truncated ? page.cursor : undefined
  } while (cursor !== undefined)
  const registry: Record<string, unknown[]> = {}
  for (const table of ['vaults', 'tokens', 'tickets', 'devices']) {
    const column = table === 'vaults' ? 'id' : 'vault_id'
    const rows = (await env.DB.prepare(`SELECT * FROM ${table} WHERE ${column} = ? ORDER BY 1`).bind(vaultId).all()).results
    registry[table] = rows.map(({ last_used_at: _lastUsed, ...row }) => row)
  }
  return { durableObject, r2, registry }
}

function hexBlobs(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(row)) {
    out[key] = value instanceof ArrayBuffer ? [...new Uint8Array(value)].map((b) => b.toString(16).padStart(2, '0')).join('') : value
  }
  return out
}

async function sha256(data: ArrayBuffer): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data)
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('')
}
