import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OUTPUT_FILES } from '../../../src/finetune/dataset/pipeline';
import { WorkerClient } from '../../../src/worker/client';
import { datasetBuildRequest } from '../../../src/worker/protocol';
import type { DatasetProgress } from '../../../src/finetune/stages';
import { EXPECTED_KEPT, writeFixture } from '../../fixtures/dataset-repo/index';
import { TOKENIZER_DIR } from '../../support/tokenizer';

describe('dataset build as a job in the worker process', () => {
  let temp: string;
  let jobs: WorkerClient;

  before(async () => {
    temp = await mkdtemp(join(tmpdir(), 'smolcode-job-'));
    await writeFixture(join(temp, 'repo'));
    jobs = new WorkerClient({ workerPath: 'src/worker/main.ts', execArgv: ['--import', 'tsx'], log: () => undefined });
  });

  after(async () => {
    jobs.dispose();
    await rm(temp, { recursive: true, force: true });
  });

  it('builds the training set out of process, streaming progress', async () => {
    const progress: DatasetProgress[] = [];
    const out = join(temp, 'out');
    const report = await jobs.job(
      datasetBuildRequest,
      { options: { workspace: join(temp, 'repo'), out, seqLen: 512, seed: 1, repoName: 'fixture' }, tokenizerDir: TOKENIZER_DIR },
      (p: DatasetProgress) => progress.push(p),
    );
    assert.deepEqual(report.kept.map((k) => k.path).sort(), EXPECTED_KEPT);
    assert.ok(progress.some((p) => p.phase === 'scan') && progress.some((p) => p.phase === 'samples'));
    assert.ok((await readdir(out)).includes(OUTPUT_FILES.reportMarkdown));
  });

  it('stops when cancelled and rejects', async () => {
    const controller = new AbortController();
    const run = jobs.job(
      datasetBuildRequest,
      { options: { workspace: join(temp, 'repo'), out: join(temp, 'cancelled'), seqLen: 512, seed: 1, repoName: 'fixture' }, tokenizerDir: TOKENIZER_DIR },
      () => controller.abort(),
      controller.signal,
    );
    await assert.rejects(run, (error: Error) => error.name === 'AbortError');
  });
});
