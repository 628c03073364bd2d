// The bundled sample: 9,437 real arXiv papers (CC0) and Hugging Face's daily list of 2024-10-25,
// loaded on first start so that a new instance has full pages with no network.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJsonl } from '../ingest/jsonl.ts';
import { parseHfDailyFile } from '../ingest/hf-daily.ts';
import type { Importer, ImportSummary } from './importer.ts';

const SAMPLE_DIR = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'sample');
export const SAMPLE_FILES = {
  arxiv: join(SAMPLE_DIR, 'arxiv-sample.jsonl.br'),
  hf: join(SAMPLE_DIR, 'hf-daily-2024-10-25.json'),
};

export async function loadSample(importer: Importer): Promise<ImportSummary[]> {
  const arxiv = await importer.run('sample', SAMPLE_FILES.arxiv, parseJsonl(SAMPLE_FILES.arxiv, { daily: true }, undefined, 'sample'), {
    batchSize: 1000,
  });
  const hf = await importer.run('hf', SAMPLE_FILES.hf, await parseHfDailyFile(SAMPLE_FILES.hf));
  return [arxiv, hf];
}
