import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generate } from '@graphql-codegen/cli';
import config from '../codegen.js';

const WEB_ROOT = fileURLToPath(new URL('../', import.meta.url));

test('src/gql/ is what GraphQL Code Generator makes from schema.graphql and the documents (run `npm run codegen -w @mserve/web`)', async () => {
  const cwd = process.cwd();
  process.chdir(WEB_ROOT);
  try {
    const files = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
    expect(files.map((f) => f.filename).sort()).toEqual(['src/gql/gql.ts', 'src/gql/graphql.ts', 'src/gql/index.ts']);
    for (const file of files)
      expect(await readFile(join(WEB_ROOT, file.filename), 'utf8'), file.filename).toBe(file.content);
  } finally {
    process.chdir(cwd);
  }
});
