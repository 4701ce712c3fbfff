/** Every timer the sandbox starts, so that `close()` can stop them all and leave the process free to exit. */
export class Timers {
  private readonly handles = new Set<NodeJS.Timeout>()

  after(ms: number, run: () => void): NodeJS.Timeout {
    const handle = setTimeout(() => {
      this.handles.delete(handle)
      run()
    }, ms)
    this.handles.add(handle)
    return handle
  }

  cancel(handle: NodeJS.Timeout): void {
    clearTimeout(handle)
    this.handles.delete(handle)
  }

  clear(): void {
    for (const handle of this.handles) clearTimeout(handle)
    this.handles.clear()
  }
}
