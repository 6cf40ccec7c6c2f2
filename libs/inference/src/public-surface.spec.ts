import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { LoadedModel } from './loaded-model.js';
import { ModelRepository } from './model-repository.js';

/** The names an entry point exports, read from its export declarations. */
function exportedNames(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    readFileSync(new URL(file, import.meta.url), 'utf8'),
    ts.ScriptTarget.Latest,
  );
  return source.statements.flatMap((statement) => {
    if (!ts.isExportDeclaration(statement)) throw new Error(`${file} should hold only export declarations`);
    if (!statement.exportClause || !ts.isNamedExports(statement.exportClause))
      throw new Error(`${file}: no export * (name what is public)`);
    return statement.exportClause.elements.map((element) => element.name.text);
  });
}

describe('the public surface of @mserve/inference', () => {
  it('index.ts exports at most 25 names, each once', () => {
    const names = exportedNames('./index.ts');
    expect(names.length).toBeLessThanOrEqual(25);
    expect(new Set(names).size).toBe(names.length);
  });

  it('test hooks are only in the testing entry point, not on the public classes', () => {
    expect(exportedNames('./testing.ts')).toEqual(['killWorker', 'untilQueue']);
    for (const hook of ['killWorker', 'killInstance', 'threadIds']) {
      expect(hook in LoadedModel.prototype).toBe(false);
      expect(hook in ModelRepository.prototype).toBe(false);
    }
  });
});
