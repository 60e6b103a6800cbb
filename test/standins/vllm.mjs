// STAND-IN for `vllm serve MODEL …`: records its argv/env, then answers GET /v1/models with the served
// model name (after $STANDIN_LOAD_MS of "loading") until Ctrl-C.
import { flag, record, serveModels } from './lib.mjs';

record('vllm');
const argv = process.argv.slice(2);
if (argv[0] !== 'serve') {
  process.stderr.write(`vllm: error: invalid choice: '${argv[0]}'\n`);
  process.exit(2);
}
if (process.env.STANDIN_FAIL === 'exit-before-ready') {
  process.stderr.write('ValueError: The model\'s max seq len (8192) is larger than the maximum number of tokens that can be stored in KV cache (4096).\n');
  process.exit(1);
}
serveModels({
  port: Number(flag(argv, 'port') ?? 8000),
  host: flag(argv, 'host') ?? '0.0.0.0',
  modelId: flag(argv, 'served-model-name') ?? argv[1],
  root: argv[1],
  loadMs: Number(process.env.STANDIN_LOAD_MS ?? 300),
  banner: `INFO 10-05 14:24:08 api_server.py:585] vLLM API server version 0.6.3 (stand-in), model ${argv[1]}`,
});
