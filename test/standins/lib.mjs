// Shared by the stand-in executables (test/standins/*.mjs). STAND-INS, not the real tools: they speak
// the real command-line and HTTP interfaces closely enough for ocrdet's launcher, follower, merge and
// deploy code to be exercised without GPUs, ms-swift, nvidia-smi or vLLM.
import { appendFileSync } from 'node:fs';
import { createServer } from 'node:http';

/** Appends {tool, argv, env, cwd} to $STANDIN_RECORD (one JSON line per invocation). */
export function record(tool) {
  const file = process.env.STANDIN_RECORD;
  if (!file) return;
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => /^(CUDA_|NPROC|NNODES|NODE_RANK|MASTER_|MAX_|USE_HF|NCCL)/.test(key)),
  );
  appendFileSync(file, `${JSON.stringify({ tool, argv: process.argv.slice(2), env, cwd: process.cwd() })}\n`);
}

/** `--flag value` of an argv, or undefined. */
export function flag(argv, name) {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An OpenAI-compatible server's GET /v1/models, answering after `loadMs` (model loading), until
 * SIGINT/SIGTERM, on which it prints a shutdown line and exits 0 as uvicorn does.
 */
export function serveModels({ port, host, modelId, root, loadMs, banner }) {
  let ready = false;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models' && ready) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: modelId, object: 'model', created: 1728115347, owned_by: 'vllm', root, max_model_len: 8192 }] }));
    } else {
      res.writeHead(ready ? 404 : 503);
      res.end();
    }
  });
  const shutdown = () => {
    process.stderr.write('INFO:     Shutting down\nINFO:     Finished server process\n');
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 200).unref();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
  server.listen(port, host === '0.0.0.0' ? '127.0.0.1' : host, () => {
    process.stderr.write(`${banner}\n`);
    setTimeout(() => {
      ready = true;
      process.stderr.write(`INFO:     Uvicorn running on http://${host}:${port} (Press CTRL+C to quit)\n`);
    }, loadMs);
  });
}
