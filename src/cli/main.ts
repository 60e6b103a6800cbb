/** The `ocrdet` executable: runs the program and keeps its exit code (bin/ocrdet.js imports this). */
import { run } from './program.js';

// `ocrdet … | head` closes stdout early: stop quietly, as Unix tools do, rather than crash on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await run(process.argv.slice(2));
