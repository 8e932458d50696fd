// A test author: a Y.Doc whose every edit hands back the V1 update it produced.

import * as Y from 'yjs'

/** A document that hands out one V1 update per edit. */
export class Editor {
  readonly doc = new Y.Doc()
  readonly updates: Uint8Array[] = []
  constructor() {
    this.doc.on('update', (update: Uint8Array) => this.updates.push(update))
  }
  insert(text: string, at = this.text.length): Uint8Array {
    this.text.insert(at, text)
    return this.updates[this.updates.length - 1]!
  }
  delete(at: number, length: number): Uint8Array {
    this.text.delete(at, length)
    return this.updates[this.updates.length - 1]!
  }
  get text(): Y.Text {
    return this.doc.getText('content')
  }
}
