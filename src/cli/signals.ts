/**
 * The CLI's one Ctrl-C handler. A long command (detect, data autolabel, serve, train, train status --follow,
 * merge, deploy) says what each Ctrl-C (SIGINT, or SIGTERM from a scheduler or `kill`) does while it runs: the
 * first stops gently (no new images; the server stops accepting; ms-swift is asked to stop), later ones harder. A signal
 * the command does not take (`handle` returns false) ends ocrdet at once with 130, as a shell reports Ctrl-C.
 * When the command is done, `onInterrupt`'s return value detaches the handler.
 */

/** Exit code of a run ended by Ctrl-C: 128 + SIGINT (2), as shells report it. */
export const INTERRUPTED_EXIT_CODE = 130;

/**
 * Routes SIGINT and SIGTERM to `handle(count, signal)` (count: 1 for the first signal) instead of ending
 * ocrdet; `handle` returns false for a signal it does not take, which then exits at once. Returns the function
 * that detaches the handler (and restores node's default: the next Ctrl-C ends the process).
 */
export function onInterrupt(handle: (count: number, signal: NodeJS.Signals) => boolean | void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (handle(count, signal) === false) process.exit(INTERRUPTED_EXIT_CODE);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
