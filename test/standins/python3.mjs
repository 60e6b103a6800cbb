// STAND-IN for the Python that runs ms-swift: answers ocrdet's one question, the installed ms-swift
// version (`python3 -c "import importlib.metadata as m; print(m.version('ms-swift'))"`), from
// $STANDIN_SWIFT_VERSION; without it, fails as Python does when the package is missing.
import { record } from './lib.mjs';

record('python3');
const code = process.argv[process.argv.indexOf('-c') + 1] ?? '';
if (code.includes("version('ms-swift')") && process.env.STANDIN_SWIFT_VERSION) {
  process.stdout.write(`${process.env.STANDIN_SWIFT_VERSION}\n`);
} else {
  process.stderr.write("importlib.metadata.PackageNotFoundError: No package metadata was found for ms-swift\n");
  process.exit(1);
}
