// A tiny typed event emitter shared by the SDK's objects: `on` returns the unsubscribe function, and a
// throwing listener never breaks the emitter or the other listeners.

/** Map of event name to listener signature. */
export type EventMap<Events> = { [E in keyof Events]: (...args: never[]) => void }

export class Emitter<Events extends EventMap<Events>> {
  readonly #listeners = new Map<keyof Events, Set<Events[keyof Events]>>()

  /** Adds a listener; returns the function that removes it. */
  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.#listeners.get(event)
    if (!set) this.#listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => {
      set.delete(listener)
    }
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        ;(listener as unknown as (...a: Parameters<Events[E]>) => void)(...args)
      } catch (error) {
        // A listener's bug must not stop sync; surface it where the host reports uncaught errors.
        queueMicrotask(() => {
          throw error
        })
      }
    }
  }

  removeAll(): void {
    this.#listeners.clear()
  }
}
