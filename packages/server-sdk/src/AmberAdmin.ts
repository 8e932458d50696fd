// A typed client for the Amber registry API, for the servers of other Grove apps: create vaults, mint,
// list and revoke tokens, list devices, issue socket tickets. It holds either the operator's admin
// secret (AMBER_ADMIN_TOKEN) or a vault's owner token; the server decides what each may do.

import type { ApiErrorBody, CreatedVault, DeviceInfo, MintedToken, Ticket, TokenInfo, VaultInfo, VaultRole } from '@amber/protocol'

export interface AmberAdminOptions {
  /** The Amber server's origin, e.g. `https://sync.example.com` or `http://127.0.0.1:8787`. */
  readonly baseUrl: string
  /** The admin secret or an owner token. Sent only as `Authorization: Bearer`, never in a URL. */
  readonly credential: string
  /** A fetch implementation; the global one by default. */
  readonly fetch?: typeof fetch
}

/** An error answer of the API: its HTTP status and stable code (e.g. 403 `FORBIDDEN`). */
export class AmberApiError extends Error {
  override readonly name = 'AmberApiError'

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`)
  }
}

/**
 * @example
 * const amber = new AmberAdmin({ baseUrl: 'https://sync.example.com', credential: process.env.AMBER_ADMIN_TOKEN! })
 * const { vaultId, token } = await amber.createVault('Ada’s notes')
 * const phone = await amber.createToken(vaultId, { role: 'editor', label: 'phone', expiresIn: 90 * 24 * 3600 })
 */
export class AmberAdmin {
  readonly #baseUrl: string
  readonly #credential: string
  readonly #fetch: typeof fetch

  constructor(options: AmberAdminOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '')
    this.#credential = options.credential
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis)
  }

  /** Creates a vault (admin secret only) and returns its first owner token. */
  createVault(name: string): Promise<CreatedVault> {
    return this.#call('POST', '/api/v1/vaults', { name })
  }

  getVault(vaultId: string): Promise<VaultInfo> {
    return this.#call('GET', `/api/v1/vaults/${encodeURIComponent(vaultId)}`)
  }

  /** Mints a token (owner). `expiresIn` is in seconds; omit it for a token that does not expire. */
  createToken(vaultId: string, token: { role: VaultRole; label: string; expiresIn?: number }): Promise<MintedToken> {
    return this.#call('POST', `/api/v1/vaults/${encodeURIComponent(vaultId)}/tokens`, token)
  }

  async listTokens(vaultId: string): Promise<TokenInfo[]> {
    return (await this.#call<{ tokens: TokenInfo[] }>('GET', `/api/v1/vaults/${encodeURIComponent(vaultId)}/tokens`)).tokens
  }

  /** Revokes a token (owner): it stops working at once, and its open sockets close within seconds. */
  async revokeToken(vaultId: string, tokenId: string): Promise<void> {
    await this.#call('DELETE', `/api/v1/vaults/${encodeURIComponent(vaultId)}/tokens/${encodeURIComponent(tokenId)}`)
  }

  async listDevices(vaultId: string): Promise<DeviceInfo[]> {
    return (await this.#call<{ devices: DeviceInfo[] }>('GET', `/api/v1/vaults/${encodeURIComponent(vaultId)}/devices`)).devices
  }

  /** A single-use ticket with the credential's own role, for a client that can only put it in a URL. */
  createTicket(vaultId: string): Promise<Ticket> {
    return this.#call('POST', `/api/v1/vaults/${encodeURIComponent(vaultId)}/tickets`)
  }

  async #call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.#credential}`, Accept: 'application/json' }
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const res = await this.#fetch(this.#baseUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    if (res.status === 204) return undefined as T
    const text = await res.text()
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new AmberApiError(res.status, 'INVALID_RESPONSE', `not JSON: ${text.slice(0, 200)}`)
    }
    if (!res.ok) {
      const error = (json as Partial<ApiErrorBody>).error
      throw new AmberApiError(res.status, String(error?.code ?? 'UNKNOWN'), String(error?.message ?? text.slice(0, 200)))
    }
    return json as T
  }
}
