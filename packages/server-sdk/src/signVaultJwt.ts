// For Grove apps that share a secret with Amber (AMBER_JWT_SECRET): sign a short-lived JWT that the
// Worker's built-in JWT verifier accepts as a credential for one vault and role. Apps with their own
// key pair publish a JWKS instead and sign with their own tooling; the claims are the same.

import { AMBER_JWT_AUDIENCE } from '@amber/protocol'
import type { VaultRole } from '@amber/protocol'
import { SignJWT } from 'jose'

export interface VaultJwtClaims {
  /** The shared HS256 secret (AMBER_JWT_SECRET on the Worker). */
  readonly secret: string
  /** Must equal AMBER_JWT_ISSUER on the Worker. */
  readonly issuer: string
  /** The user's stable id in the app; devices and tickets record it. */
  readonly subject: string
  readonly vaultId: string
  readonly role: VaultRole
  /** Lifetime in seconds (default 15 minutes): a socket opened with it closes when it expires. */
  readonly expiresIn?: number
}

/**
 * @example
 * const credential = await signVaultJwt({ secret, issuer: 'https://id.grove.app', subject: user.id, vaultId, role: 'editor' })
 * // Use it like a token: Authorization: Bearer <credential>, or exchange it for a ticket.
 */
export async function signVaultJwt(claims: VaultJwtClaims): Promise<string> {
  const now = Math.floor(Date.now() / 1000)
  return new SignJWT({ vault: claims.vaultId, role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(claims.issuer)
    .setAudience(AMBER_JWT_AUDIENCE)
    .setSubject(claims.subject)
    .setIssuedAt(now)
    .setExpirationTime(now + (claims.expiresIn ?? 15 * 60))
    .sign(new TextEncoder().encode(claims.secret))
}
