// Keeps the missing-cards sweep from racing a submission. A request is stored before its approval card is posted
// (and a failed direct execution posts its card after the failure is stored), so a sweep that listed the waiting
// requests in between would post a second card. Submissions pass the gate side by side; a sweep closes it, waits
// for the submissions inside to finish, and lists and claims the requests without a card while none is inside.
export class CardGate {
  #inside = 0;
  #closed: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  /** Runs a submission: from storing its request to posting its card (or failing to). */
  async submit<T>(work: () => Promise<T>): Promise<T> {
    while (this.#closed) await this.#closed;
    this.#inside += 1;
    try {
      return await work();
    } finally {
      this.#inside -= 1;
      if (this.#inside === 0) this.#drained?.();
    }
  }

  /** Runs `work` (one sweep at a time) while no submission is between storing a request and posting its card. */
  async sweep<T>(work: () => Promise<T>): Promise<T> {
    while (this.#closed) await this.#closed;
    let open: () => void = () => {};
    this.#closed = new Promise((resolve) => {
      open = resolve;
    });
    try {
      if (this.#inside > 0) {
        await new Promise<void>((resolve) => {
          this.#drained = resolve;
        });
      }
      return await work();
    } finally {
      this.#drained = undefined;
      this.#closed = undefined;
      open();
    }
  }
}
