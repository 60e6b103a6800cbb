/** ms-swift fine-tuning from a typed recipe: command lines, launch, live follow, summary, plots, merge, deploy. */
export { DEFAULTS, RecipeSchema, loadRecipeFile, resolveRecipe, type Recipe, type RecipeInput } from './recipe.js';
export { PRESETS, type ModelPreset } from './presets.js';
export { buildTrainCommand, resolveDataFiles, trainEnvironment, type DataFiles } from './command.js';
export { detectSwiftVersion, parseSwiftVersion, resolveSwiftVersion, type SwiftVersion } from './version.js';
export { formatMultiline, formatOneLine, type ExternalCommand } from './shell.js';
export { preflight, type PreflightReport } from './preflight.js';
export { runTraining, type TrainRunOptions, type TrainRunResult } from './launch.js';
export { followLog } from './follow.js';
export { parseLogRecord, parseLogText, type SwiftLogEvent } from './logging.js';
export { summarizeRun, formatSummary, type RunSummary } from './summary.js';
export { readRunStatus, type RunStatus } from './status.js';
export { writeRunPlots } from './plots.js';
export { extractFailure, type Failure } from './failure.js';
export { buildMergeCommand, linkMerged, planMerge, type MergePlan } from './merge.js';
export { buildDeployCommand, resolveDeployModel, DEPLOY_DEFAULTS, type DeployEngine } from './deploy.js';
export { runDeploy, type DeployRunResult } from './deploy-run.js';
export { buildSlurmScript } from './slurm.js';
