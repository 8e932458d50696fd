-- Binary files (docs/binaries.md): bytes of packs and manifests in R2, as the vault's Durable Object
-- last reported them, beside stored_bytes (notes).

ALTER TABLE vaults ADD COLUMN binary_bytes INTEGER NOT NULL DEFAULT 0;
