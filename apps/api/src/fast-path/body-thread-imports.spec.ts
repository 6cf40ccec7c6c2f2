import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ['@mserve/source'],
};

/** The module specifiers `file` imports for their values (type-only imports and exports are erased). */
function valueImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const values =
        !clause ||
        (!clause.isTypeOnly &&
          (clause.name !== undefined ||
            (named !== undefined && (ts.isNamespaceImport(named) || named.elements.some((e) => !e.isTypeOnly)))));
      if (values) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const values =
        !node.isTypeOnly && (!clause || ts.isNamespaceExport(clause) || clause.elements.some((e) => !e.isTypeOnly));
      if (values) found.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every source file of the workspace and every package that `entry` loads at run time. */
function moduleGraph(entry: string): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of valueImports(file)) {
      if (specifier.startsWith('node:')) continue;
      const resolved = ts.resolveModuleName(
        specifier,
        file,
        OPTIONS,
        ts.sys,
        undefined,
        undefined,
        ts.ModuleKind.ESNext,
      ).resolvedModule?.resolvedFileName;
      if (!resolved) throw new Error(`${relative(ROOT, file)}: cannot resolve ${specifier}`);
      if (resolved.includes('/node_modules/')) packages.add(specifier);
      else pending.push(resolved);
    }
  }
  return { files: [...files].map((f) => relative(ROOT, f)).sort(), packages: [...packages].sort() };
}

describe("the body thread's modules", () => {
  // A thread that only reads bytes into typed arrays: loading the API's errors, GraphQL, the
  // contract's JSON Schema validator or onnxruntime would cost each start and each thread's heap.
  const { files, packages } = moduleGraph(fileURLToPath(new URL('./body-thread-worker.ts', import.meta.url)));

  it('load no package', () => {
    expect(packages).toEqual([]);
  });

  it("load neither the API's errors nor the inference library's serving modules", () => {
    expect(files).toContain('apps/api/src/list-scan.ts');
    expect(files).toContain('libs/inference/src/json-vectors.ts');
    for (const heavy of ['apps/api/src/errors.ts', 'libs/inference/src/index.ts', 'libs/inference/src/model-config.ts'])
      expect(files).not.toContain(heavy);
  });
});
