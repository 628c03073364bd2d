// Real records for the API and feed tests: Hugging Face's recorded daily list of 2024-10-25 and
// 50 arXiv papers from a JSONL export, imported through the real importer.
import { parseHfDailyFile } from '../../src/ingest/hf-daily.ts';
import { parseJsonl } from '../../src/ingest/jsonl.ts';
import type { Paperboy } from '../../src/wiring.ts';
import { fixture } from './paths.ts';

export const HF_FIXTURE = fixture('hf', 'daily-papers-2024-10-25.json');

export async function seedApi(pb: Paperboy): Promise<void> {
  await pb.importer.run('jsonl', 'sample-50', parseJsonl(fixture('jsonl', 'sample-50.jsonl'), { daily: true }));
  const hf = await pb.importer.run('hf', HF_FIXTURE, await parseHfDailyFile(HF_FIXTURE));
  if (hf.errors) throw new Error(`HF fixture import had ${hf.errors} errors`);
}
