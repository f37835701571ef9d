// Placeholder until the CLI lands.
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('static-origin: the CLI is not implemented yet\n');
  return 1;
}
