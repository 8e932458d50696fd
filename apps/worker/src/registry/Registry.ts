// The D1 registry: vaults, tokens, tickets and devices. Every query is here, parameterised; routes and
// the Durable Object call these methods and never write SQL themselves.

import type { DeviceInfo, TokenInfo, VaultRole } from '@amber/protocol'
import { TICKET_PREFIX, TOKEN_PREFIX, createId, createSecret, hashSecret } from '../auth/secrets.ts'

export interface VaultRow {
  readonly vaultId: string
  readonly name: string
  readonly createdAt: number
  readonly storedBytes: number
  readonly binaryBytes: number
}

/** What a vault stores, as its Durable Object reports it: note bytes (update log) and binary bytes (packs, manifests). */
export interface VaultUsage {
  /** Unknown while the vault's room is not open (a binary upload does not open it): the last report stands. */
  readonly storedBytes: number | undefined
  readonly binaryBytes: number
}

/** What a valid credential grants on one vault. */
export interface Grant {
  readonly vaultId: string
  readonly role: VaultRole
  /** The token id, or `ext:<subject>` for a foreign identity; revocation closes sockets by it. */
  readonly credentialId: string
  readonly expiresAt: number | null
}

export interface DeviceReport {
  readonly vaultId: string
  readonly deviceId: string
  readonly credentialId: string
  readonly role: VaultRole
  readonly connected: boolean
  readonly ackedSeq: number
  readonly headSeq: number
  readonly at: number
}

/** Tokens are looked up at most this often for last-used bookkeeping (a write per request would be waste). */
const LAST_USED_RESOLUTION_MS = 60_000

interface TokenRecord {
  id: string
  vault_id: string
  role: VaultRole
  label: string
  created_at: number
  expires_at: number | null
  revoked_at: number | null
  last_used_at: number | null
}

export class Registry {
  constructor(
    private readonly db: D1Database,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates a vault and its first owner token; the token is returned once and only its hash is kept. */
  async createVault(name: string): Promise<{ vaultId: string; token: string; tokenId: string }> {
    const vaultId = createId()
    const at = this.now()
    const { statement, token, tokenId } = await this.#insertToken(vaultId, 'owner', 'created with the vault', null, at)
    await this.db.batch([this.db.prepare('INSERT INTO vaults (id, name, created_at) VALUES (?, ?, ?)').bind(vaultId, name, at), statement])
    return { vaultId, token, tokenId }
  }

  async getVault(vaultId: string): Promise<VaultRow | undefined> {
    const row = await this.db
      .prepare('SELECT id, name, created_at, stored_bytes, binary_bytes FROM vaults WHERE id = ?')
      .bind(vaultId)
      .first<{ id: string; name: string; created_at: number; stored_bytes: number; binary_bytes: number }>()
    return row === null
      ? undefined
      : { vaultId: row.id, name: row.name, createdAt: row.created_at, storedBytes: row.stored_bytes, binaryBytes: row.binary_bytes }
  }

  async createToken(vaultId: string, role: VaultRole, label: string, expiresAt: number | null): Promise<{ tokenId: string; token: string }> {
    const { statement, token, tokenId } = await this.#insertToken(vaultId, role, label, expiresAt, this.now())
    await statement.run()
    return { tokenId, token }
  }

  async listTokens(vaultId: string): Promise<TokenInfo[]> {
    const { results } = await this.db
      .prepare('SELECT id, vault_id, role, label, created_at, expires_at, revoked_at, last_used_at FROM tokens WHERE vault_id = ? ORDER BY created_at, id')
      .bind(vaultId)
      .all<TokenRecord>()
    return results.map(toTokenInfo)
  }

  /** Marks a token revoked; false when the vault has no such token (or it was already revoked). */
  async revokeToken(vaultId: string, tokenId: string): Promise<boolean> {
    const result = await this.db
      .prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND vault_id = ? AND revoked_at IS NULL')
      .bind(this.now(), tokenId, vaultId)
      .run()
    return result.meta.changes > 0
  }

  /** The grant of a live (not revoked, not expired) token; undefined for anything else, including garbage. */
  async verifyToken(token: string): Promise<Grant | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined
    const row = await this.db
      .prepare('SELECT id, vault_id, role, label, created_at, expires_at, revoked_at, last_used_at FROM tokens WHERE hash = ?')
      .bind(await hashSecret(token))
      .first<TokenRecord>()
    const at = this.now()
    if (row === null || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= at)) return undefined
    if (row.last_used_at === null || at - row.last_used_at > LAST_USED_RESOLUTION_MS) {
      await this.db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?').bind(at, row.id).run()
    }
    return { vaultId: row.vault_id, role: row.role, credentialId: row.id, expiresAt: row.expires_at }
  }

  /** Mints a single-use ticket carrying the grant; it opens one socket before `ttlMs` passes. */
  async createTicket(grant: Grant, ttlMs: number): Promise<{ ticket: string; expiresAt: number }> {
    const ticket = createSecret(TICKET_PREFIX)
    const at = this.now()
    const expiresAt = Math.min(at + ttlMs, grant.expiresAt ?? Number.MAX_SAFE_INTEGER)
    await this.db.batch([
      // Tickets are worthless once expired; dropping them here keeps the table small without a cron.
      this.db.prepare('DELETE FROM tickets WHERE expires_at < ?').bind(at - ttlMs),
      this.db
        .prepare('INSERT INTO tickets (hash, vault_id, credential_id, role, expires_at, credential_expires_at) VALUES (?, ?, ?, ?, ?, ?)')
        .bind(await hashSecret(ticket), grant.vaultId, grant.credentialId, grant.role, expiresAt, grant.expiresAt),
    ])
    return { ticket, expiresAt }
  }

  /**
   * Consumes a ticket: the first caller within its lifetime gets the grant, every later one gets nothing.
   * A ticket minted from a token that has since been revoked grants nothing either.
   */
  async consumeTicket(ticket: string): Promise<Grant | undefined> {
    if (!ticket.startsWith(TICKET_PREFIX)) return undefined
    const at = this.now()
    // One statement, so two sockets racing for a ticket cannot both win; a token revoked since is checked too.
    const row = await this.db
      .prepare(
        'UPDATE tickets SET used_at = ?1 WHERE hash = ?2 AND used_at IS NULL AND expires_at > ?1 ' +
          "AND (credential_id = 'admin' OR credential_id LIKE 'ext:%' OR EXISTS (SELECT 1 FROM tokens WHERE tokens.id = tickets.credential_id AND tokens.revoked_at IS NULL)) " +
          'RETURNING vault_id, credential_id, role, credential_expires_at',
      )
      .bind(at, await hashSecret(ticket))
      .first<{ vault_id: string; credential_id: string; role: VaultRole; credential_expires_at: number | null }>()
    if (row === null) return undefined
    return { vaultId: row.vault_id, role: row.role, credentialId: row.credential_id, expiresAt: row.credential_expires_at }
  }

  /** Records what a vault's Durable Object saw of a device (Hello, disconnect) and the vault's stored bytes. */
  async reportDevice(report: DeviceReport, usage: VaultUsage): Promise<void> {
    await this.db.batch([
      this.db
        .prepare(
          'INSERT INTO devices (vault_id, device_id, credential_id, role, first_seen_at, last_seen_at, connected, acked_seq, head_seq) ' +
            'VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8) ' +
            'ON CONFLICT (vault_id, device_id) DO UPDATE SET credential_id = ?3, role = ?4, last_seen_at = ?5, connected = ?6, acked_seq = ?7, head_seq = ?8',
        )
        .bind(report.vaultId, report.deviceId, report.credentialId, report.role, report.at, report.connected ? 1 : 0, report.ackedSeq, report.headSeq),
      this.#usageStatement(report.vaultId, usage, report.at),
    ])
  }

  /** Records the vault's stored bytes alone (after a binary commit or GC). */
  async reportUsage(vaultId: string, usage: VaultUsage): Promise<void> {
    await this.#usageStatement(vaultId, usage, this.now()).run()
  }

  #usageStatement(vaultId: string, usage: VaultUsage, at: number): D1PreparedStatement {
    return this.db
      .prepare('UPDATE vaults SET stored_bytes = COALESCE(?, stored_bytes), binary_bytes = ?, usage_reported_at = ? WHERE id = ?')
      .bind(usage.storedBytes ?? null, usage.binaryBytes, at, vaultId)
  }

  async listDevices(vaultId: string): Promise<DeviceInfo[]> {
    const { results } = await this.db
      .prepare(
        'SELECT device_id, credential_id, role, first_seen_at, last_seen_at, connected, acked_seq, head_seq FROM devices WHERE vault_id = ? ORDER BY last_seen_at DESC, device_id',
      )
      .bind(vaultId)
      .all<{
        device_id: string
        credential_id: string
        role: VaultRole
        first_seen_at: number
        last_seen_at: number
        connected: number
        acked_seq: number
        head_seq: number
      }>()
    return results.map((row) => ({
      deviceId: row.device_id,
      credentialId: row.credential_id,
      role: row.role,
      firstSeenAt: row.first_seen_at,
      lastSeenAt: row.last_seen_at,
      connected: row.connected === 1,
      ackedSeq: row.acked_seq,
      headSeq: row.head_seq,
    }))
  }

  async #insertToken(vaultId: string, role: VaultRole, label: string, expiresAt: number | null, at: number) {
    const token = createSecret(TOKEN_PREFIX)
    const tokenId = createId()
    const statement = this.db
      .prepare('INSERT INTO tokens (id, vault_id, role, label, hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .bind(tokenId, vaultId, role, label, await hashSecret(token), at, expiresAt)
    return { statement, token, tokenId }
  }
}

function toTokenInfo(row: TokenRecord): TokenInfo {
  return {
    tokenId: row.id,
    vaultId: row.vault_id,
    role: row.role,
    label: row.label,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  }
}
