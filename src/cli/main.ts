/** The `ocrdet` executable: runs the program and keeps its exit code (bin/ocrdet.js imports this). */
import { run } from './program.js';

process.exitCode = await run(process.argv.slice(2));
