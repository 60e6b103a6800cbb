// STAND-IN for ms-swift's `swift` command (sft, export, deploy). Not ms-swift: it creates the files and
// prints the lines ms-swift does, so ocrdet's launcher, follower, merge and deploy run against the
// real interfaces. It records the argv/env it was given ($STANDIN_RECORD) and behaves as the version in
// $STANDIN_SWIFT_VERSION (default 2.4.2):
//  - sft: makes <output_dir>/<model_type>/vN-<timestamp> (2.x) or <output_dir>/vN-<timestamp> (3.x/4.x),
//    prints `output_dir: …`, then replays the REAL reference log ($STANDIN_SWIFT_LOG, the 740-step
//    InternVL2-8B run) into its logging.jsonl one line per $STANDIN_LINE_MS, rewritten in the keys of the
//    chosen version (3.x token_acc; s/it from 3.12.5; no percentage in 4.x), saving checkpoint-N
//    directories at --save_steps and at the end. $STANDIN_FAIL=oom@STEP | nccl@STEP | missing-file@STEP |
//    exitCODE@STEP stops there with the recorded error text of test/fixtures/train/errors and exit code 1
//    (or CODE). Ctrl-C prints KeyboardInterrupt and dies by SIGINT, as Python does.
//  - export --merge_lora true: writes <checkpoint>-merged with a config.json.
//  - deploy: answers GET /v1/models until Ctrl-C.
// Checks ms-swift makes of its arguments, with its messages:
//  - 3.x/4.x export/deploy of --adapters whose directory has no args.json (a 2.x checkpoint) need --model
//    (v3.12.6 swift/llm/utils.py get_ckpt_dir lines 311–321; argument/base_args/model_args.py lines 214–215);
//  - 2.x deploy of a LoRA checkpoint with --infer_backend vllm|lmdeploy needs --merge_lora true, and then merges
//    it into <checkpoint>-merged first (v2.6.1 swift/llm/utils/argument.py lines 1526–1540);
//  - 3.x/4.x sft of Florence-2: each row's last user turn goes to the processor, which takes a task token only
//    alone (v3.12.6 swift/llm/template/template/microsoft.py lines 33–40); a row with more fails to encode, the
//    dataset tries other rows, and gives up when none encodes (swift/llm/dataset/utils.py lines 91–116). The
//    stand-in checks the first rows of --dataset.
// Flags of the wrong version fail like ms-swift's argument parser (ValueError: remaining_argv).
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, appendFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { flag, record, serveModels, sleep } from './lib.mjs';

record('swift');
const argv = process.argv.slice(2);
const [major, minor, patch] = (process.env.STANDIN_SWIFT_VERSION ?? '2.4.2').split('.').map(Number);
const fixtures = process.env.STANDIN_FIXTURES;

function failArgs(bad) {
  process.stderr.write(`ValueError: remaining_argv: ${JSON.stringify(bad)}\n`);
  process.exit(1);
}

/** One reference (2.4.2) log record in the keys of the emulated version. */
function inVersion(record) {
  if (major === 2) return record;
  const out = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'acc') out.token_acc = value;
    else if (key === 'eval_acc') out.eval_token_acc = value;
    else if (key === 'train_speed(iter/s)' && (major > 3 || minor > 12 || (minor === 12 && patch >= 5))) out['train_speed(s/it)'] = Number((1 / value).toFixed(6));
    else if (key === 'percentage' && major >= 4) continue;
    else if (key === 'model_info') out.model_parameter_info = value;
    else out[key] = value;
  }
  return out;
}

function nextVersionDir(parent) {
  const versions = existsSync(parent) ? readdirSync(parent).map((n) => /^v(\d+)-/.exec(n)).filter(Boolean).map((m) => Number(m[1])) : [];
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return join(parent, `v${versions.length ? Math.max(...versions) + 1 : 0}-${stamp}`);
}

async function failWith(kind) {
  const file = { oom: 'oom.txt', nccl: 'nccl-timeout.txt', 'missing-file': 'missing-file.txt' }[kind];
  if (file) {
    process.stderr.write(readFileSync(join(fixtures, 'errors', file), 'utf8'));
    process.exit(1);
  }
  process.exit(Number(kind.replace('exit', '')) || 1);
}

const FLORENCE_TASKS = ['<OCR>', '<OCR_WITH_REGION>', '<CAPTION>', '<DETAILED_CAPTION>', '<MORE_DETAILED_CAPTION>', '<OD>', '<DENSE_REGION_CAPTION>', '<REGION_PROPOSAL>'];

/** 3.x/4.x Florence-2: a task token must be the whole user turn, as its processor's _construct_prompts asserts. */
function checkFlorenceRows() {
  const model = `${flag(argv, 'model') ?? ''} ${flag(argv, 'model_type') ?? ''}`;
  if (major < 3 || !/florence/i.test(model)) return;
  const rows = readFileSync(flag(argv, 'dataset'), 'utf8').split('\n').filter(Boolean).slice(0, 10);
  const encodes = (row) => {
    const user = JSON.parse(row).messages.findLast((m) => m.role === 'user').content;
    const token = FLORENCE_TASKS.find((t) => user.includes(t));
    if (!token || user === token) return true;
    process.stderr.write(`AssertionError: Task token ${token} should be the only token in the text.\n[WARNING:swift] 👆👆👆There are errors in the template.encode, and another piece of data will be randomly selected.\n`);
    return false;
  };
  if (rows.filter(encodes).length === 0) {
    process.stderr.write('ValueError: Failed to retrieve the dataset. You can avoid this issue by increasing `max_length` or modifying the `truncation_strategy`.\n');
    process.exit(1);
  }
}

async function sft() {
  if (major === 2 && argv.includes('--model')) failArgs(['--model', flag(argv, 'model')]);
  checkFlorenceRows();
  if (major >= 3 && argv.includes('--model_type') && !argv.includes('--model')) failArgs(['--model_type', flag(argv, 'model_type')]);
  if (major === 4 && minor >= 1 && argv.includes('--train_type')) failArgs(['--train_type', flag(argv, 'train_type')]);
  const outputRoot = resolve(flag(argv, 'output_dir') ?? 'output');
  const runDir = nextVersionDir(major === 2 ? join(outputRoot, flag(argv, 'model_type') ?? 'model') : outputRoot);
  if (process.env.NPROC_PER_NODE) {
    process.stdout.write(`run sh: \`/usr/bin/python -m torch.distributed.run --nproc_per_node ${process.env.NPROC_PER_NODE} /opt/swift/cli/sft.py ${argv.slice(1).join(' ')}\`\n`);
  }
  process.stderr.write(`[INFO:swift] Successfully registered \`/opt/swift/llm/data/dataset_info.json\`\n[INFO:swift] output_dir: ${runDir}\n`);
  mkdirSync(runDir, { recursive: true });
  writeFileSync(join(runDir, major === 2 ? 'sft_args.json' : 'args.json'), JSON.stringify({ output_dir: runDir, argv }, null, 2));
  const [failKind, failStep] = (process.env.STANDIN_FAIL ?? '').split('@');
  const failAt = failKind ? Number(failStep ?? 0) : Infinity;
  if (failAt === 0) await failWith(failKind);
  const saveSteps = Number(flag(argv, 'save_steps') ?? 500);
  const lineMs = Number(process.env.STANDIN_LINE_MS ?? 2);
  const lines = readFileSync(process.env.STANDIN_SWIFT_LOG, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const parsed = JSON.parse(line);
    const step = Number(String(parsed['global_step/max_steps'] ?? '').split('/')[0]);
    const [, maxSteps] = String(parsed['global_step/max_steps'] ?? '').split('/').map(Number);
    if (step >= failAt) await failWith(failKind);
    if (step && (step % saveSteps === 0 || (step === maxSteps && 'train_runtime' in parsed))) saveCheckpoint(runDir, step);
    const text = 'last_model_checkpoint' in parsed ? JSON.stringify(finalRecord(parsed, runDir)) : JSON.stringify(inVersion(parsed));
    appendFileSync(join(runDir, 'logging.jsonl'), `${text}\n`);
    if (!('log_history' in parsed)) process.stdout.write(`${text.replace(/"/g, "'")}\n`);
    await sleep(lineMs);
  }
  process.stderr.write(`[INFO:swift] last_model_checkpoint: ${join(runDir, 'checkpoint-740')}\n`);
}

function finalRecord(parsed, runDir) {
  const rewritten = inVersion(parsed);
  rewritten.last_model_checkpoint = join(runDir, basename(parsed.last_model_checkpoint));
  rewritten.best_model_checkpoint = join(runDir, basename(parsed.best_model_checkpoint));
  return rewritten;
}

function saveCheckpoint(runDir, step) {
  const dir = join(runDir, `checkpoint-${step}`);
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(fixtures, 'internvl2-8b/v0-20241005-082227/checkpoint-740/adapter_config.json'), join(dir, 'adapter_config.json'));
  // 3.x/4.x copy the run's args.json into each checkpoint (v3.12.6 swift/trainers/mixin.py lines 400–403).
  if (major >= 3) copyFileSync(join(runDir, 'args.json'), join(dir, 'args.json'));
  process.stderr.write(`[INFO:swift] Saving model checkpoint to ${dir}\n`);
}

/** 3.x/4.x: --adapters without args.json in it must come with --model. */
function requireModelForAdapters() {
  const adapters = flag(argv, 'adapters');
  if (major === 2 || !adapters || argv.includes('--model') || existsSync(join(adapters, 'args.json'))) return;
  process.stderr.write('ValueError: Please set --model <model_id_or_path>`, model: None\n');
  process.exit(1);
}

function exportModel() {
  const ckpt = major === 2 ? flag(argv, 'ckpt_dir') : flag(argv, 'adapters');
  if (!ckpt) failArgs(major === 2 ? ['--adapters', flag(argv, 'adapters')] : ['--ckpt_dir', flag(argv, 'ckpt_dir')]);
  requireModelForAdapters();
  if (flag(argv, 'merge_lora') !== 'true') failArgs(argv.slice(1));
  const merged = `${ckpt.replace(/\/+$/, '')}-merged`;
  if (major >= 3 && existsSync(merged)) {
    process.stderr.write(`FileExistsError: args.output_dir: \`${resolve(merged)}\` already exists.\n`);
    process.exit(1);
  }
  process.stderr.write(`[INFO:swift] ${major === 2 ? 'merged_lora_path' : 'args.output_dir'}: \`${resolve(merged)}\`\n[INFO:swift] Merge LoRA...\n`);
  mkdirSync(merged, { recursive: true });
  writeFileSync(join(merged, 'config.json'), JSON.stringify({ architectures: ['InternVLChatModel'], torch_dtype: 'bfloat16' }, null, 2));
  process.stderr.write('[INFO:swift] Successfully merged LoRA and saved in the output directory.\n');
}

const sub = argv[0];
if (sub === 'sft') {
  process.on('SIGINT', () => {
    process.stderr.write('Traceback (most recent call last):\nKeyboardInterrupt\n');
    process.removeAllListeners('SIGINT');
    process.kill(process.pid, 'SIGINT');
  });
  await sft();
} else if (sub === 'export') exportModel();
else if (sub === 'deploy') {
  requireModelForAdapters();
  const ckpt = flag(argv, 'ckpt_dir');
  const backend = flag(argv, 'infer_backend');
  if (major === 2 && ckpt && existsSync(join(ckpt, 'adapter_config.json')) && (backend === 'vllm' || backend === 'lmdeploy')) {
    if (flag(argv, 'merge_lora') !== 'true') {
      const engine = backend === 'vllm' ? 'vLLM' : 'LMDeploy';
      process.stderr.write(`AssertionError: To use ${engine}, you need to provide the complete weight parameters. Please set \`--merge_lora true\`.\n`);
      process.exit(1);
    }
    const merged = `${ckpt.replace(/\/+$/, '')}-merged`;
    mkdirSync(merged, { recursive: true });
    writeFileSync(join(merged, 'config.json'), JSON.stringify({ architectures: ['InternVLChatModel'] }));
    process.stderr.write(`[INFO:swift] merged_lora_path: \`${resolve(merged)}\`\n`);
  }
  serveModels({
    port: Number(flag(argv, 'port') ?? 8000),
    host: flag(argv, 'host') ?? '0.0.0.0',
    modelId: flag(argv, 'served_model_name') ?? basename(flag(argv, 'model') ?? flag(argv, 'ckpt_dir') ?? flag(argv, 'adapters') ?? 'model'),
    root: flag(argv, 'model') ?? flag(argv, 'ckpt_dir'),
    loadMs: Number(process.env.STANDIN_LOAD_MS ?? 300),
    banner: `[INFO:swift] Start deploy (stand-in of ms-swift ${major}.${minor}.${patch})`,
  });
} else {
  process.stderr.write(`KeyError: '${sub}'\n`);
  process.exit(1);
}
