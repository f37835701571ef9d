// Placeholder until the collect pipeline lands; replaced by src/collect/*.
export type SourceSpec = string | { dir: string; prefix?: string };
export interface CollectOptions { sources: SourceSpec[]; out: string }
export interface CollectSummary { files: number }
export async function collect(_options: CollectOptions): Promise<CollectSummary> {
  throw new Error('collect is not implemented yet');
}
