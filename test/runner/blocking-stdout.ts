/**
 * Loaded into every test file's process (`node --import`, which node:test's run() passes on to the processes it starts
 * for the files): makes this process's stdout blocking. A file's process reports its results to the runner over its
 * stdout, a pipe, and with `forceExit` it calls process.exit() once its tests end; writes to a pipe are asynchronous
 * on Linux, so results still buffered then were lost, and the runner counted fewer tests than ran, with no error and
 * exit code 0 (nodejs/node#64833; seen here as 56 of a file's 61 tests in about one run in thirty). Blocking writes
 * leave nothing buffered at the exit. The runner's own stdout, which it also makes blocking, only gets the TAP text.
 */
const handle = (process.stdout as unknown as { _handle?: { setBlocking?: (blocking: boolean) => unknown } })._handle;
handle?.setBlocking?.(true);
