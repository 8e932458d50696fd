// Vault paths are compared after NFC normalisation: macOS writes NFD names, everyone else NFC, and the
// same note must not become two entries because of which device created it.

import { TreeError, TreeErrorCode } from './TreeError.ts'

/**
 * NFC-normalises `path`, collapses repeated '/', strips leading and trailing '/'. '' is the vault root.
 * Throws a {@link TreeError} `INVALID_PATH` for '.' or '..' segments and NUL characters.
 * @example normalizePath('/Daily//Cafe\u0301.md/') // 'Daily/Café.md'
 */
export function normalizePath(path: string): string {
  const segments = path.normalize('NFC').split('/').filter((segment) => segment !== '')
  for (const segment of segments) {
    if (!isValidName(segment)) throw new TreeError(TreeErrorCode.InvalidPath, `invalid path segment in ${JSON.stringify(path)}`)
  }
  return segments.join('/')
}

/** Splits a normalised path into segments; the root has none. */
export function splitPath(normalizedPath: string): string[] {
  return normalizedPath === '' ? [] : normalizedPath.split('/')
}

/** A single path segment as stored in an entry's `name`: non-empty, NFC, no '/', not '.' or '..', no NUL. */
export function isValidName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0') && name === name.normalize('NFC')
}
