/**
 * @file The fine-tuning stages as requests to the jobs worker process, so that training never
 * blocks the editor; `run.ts` drives them exactly as the CLI drives the same stages in-process.
 */
import type { WorkerClient } from '../../worker/client';
import { adapterMergeRequest, datasetBuildRequest, finetuneRunRequest } from '../../worker/protocol';
import type { DatasetProgress, FinetuneStages, MergeProgress } from '../stages';
import type { FinetuneEvent } from '../trainer';

/** `FinetuneStages` served by the worker behind `jobs`. */
export function workerStages(jobs: WorkerClient): FinetuneStages {
  return {
    buildDataset: (options, tokenizerDir, perplexityModelDir, onProgress, signal) =>
      jobs.job(datasetBuildRequest, { options, tokenizerDir, perplexityModelDir }, (progress: DatasetProgress) => onProgress(progress), signal),
    train: (options, onEvent, signal) => jobs.job(finetuneRunRequest, { options }, (event: FinetuneEvent) => onEvent(event), signal),
    merge: (options, onProgress, signal) => jobs.job(adapterMergeRequest, { options }, (progress: MergeProgress) => onProgress(progress), signal),
  };
}
