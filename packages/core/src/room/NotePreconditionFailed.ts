// The If-Match of a plain HTTP note write named neither the note's current text nor a state served
// earlier (and still kept): the host answers 412 and the writer reads the note again.

export class NotePreconditionFailed extends Error {
  override readonly name = 'NotePreconditionFailed'
}
