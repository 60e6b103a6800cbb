#!/usr/bin/env node
// The CLI entry: everything lives in dist/cli/main.js, built from src/ by `npm install` (the "prepare" script).
import('../dist/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist')) {
    console.error('OCRDET_INTERNAL: ocrdet is not built (dist/ is missing); run `npm run build` in its folder');
    process.exit(2);
  }
  throw error;
});
