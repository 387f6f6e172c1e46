import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

/**
 * The packages' reference documentation is their TSDoc, shown by every editor and by
 * documentation generators: each public export says what it is and shows it in use.
 */
function exportsWithoutExample(entry: string): string[] {
  const program = ts.createProgram([entry], { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, jsx: ts.JsxEmit.ReactJSX, noEmit: true })
  const checker = program.getTypeChecker()
  const source = program.getSourceFile(entry)
  const module = source && checker.getSymbolAtLocation(source)
  if (module === undefined) throw new Error(`cannot read ${entry}`)
  return checker
    .getExportsOfModule(module)
    .filter((exported) => {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
      return !(symbol.getDeclarations() ?? []).some((declaration) => ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'example'))
    })
    .map((exported) => exported.name)
    .sort()
}

describe('reference documentation', () => {
  for (const entry of ['../../sdk/src/index.ts', '../../react/src/index.ts']) {
    it(`every export of ${entry.split('/')[2]} has TSDoc with an @example`, () => {
      expect(exportsWithoutExample(fileURLToPath(new URL(entry, import.meta.url)))).toEqual([])
    })
  }
})
