/**
 * One run at a time, and a request made during a run makes exactly one more run after it, with
 * the latest job (requests in between collapse): what every loop that reacts to events needs —
 * a watch that fires while the last change is still being applied, a check asked for while one
 * is running. `run` returning false (or throwing, reported to `onError`) ends nothing: the next
 * request runs again.
 */
export class SingleFlight<J> {
  private running: Promise<void> | undefined;
  private next: { job: J } | undefined;

  constructor(
    private readonly run: (job: J) => Promise<void>,
    private readonly onError: (err: unknown, job: J) => void = () => {},
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** A request is waiting for the current run to end (a newer job supersedes the running one). */
  get pending(): boolean {
    return this.next !== undefined;
  }

  /** Settles when the run that covers this request is over. */
  request(job: J): Promise<void> {
    this.next = { job };
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Settles when nothing runs any more (at once when idle); never rejects. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  /** Drops a request still waiting for its turn (the running one finishes). */
  dropPending(): J | undefined {
    const dropped = this.next?.job;
    this.next = undefined;
    return dropped;
  }

  private async loop(): Promise<void> {
    while (this.next !== undefined) {
      const { job } = this.next;
      this.next = undefined;
      try {
        await this.run(job);
      } catch (err) {
        this.onError(err, job);
      }
    }
  }
}
