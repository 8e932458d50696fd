// What a tree entry is. A text entry's content is its own Yjs doc; a binary is a content-addressed blob.

export const EntryKind = { Folder: 'folder', Text: 'text', Binary: 'binary' } as const
export type EntryKind = (typeof EntryKind)[keyof typeof EntryKind]

export function isEntryKind(value: unknown): value is EntryKind {
  return value === EntryKind.Folder || value === EntryKind.Text || value === EntryKind.Binary
}
