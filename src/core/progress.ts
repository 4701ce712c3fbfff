/**
 * How a long step tells the user where it is. Feature code reports (`start` an action, `update` its status, `stop`
 * with a result) and never touches the terminal; the command layer decides how it looks (core/base.ts: a spinner on a
 * terminal, plain lines on stderr otherwise). Tests and library callers pass `silentProgress`.
 */
export interface Progress {
  start(action: string): void
  stop(result: string): void
  update(status: string): void
}

export const silentProgress: Progress = {
  start() {},
  stop() {},
  update() {},
}
