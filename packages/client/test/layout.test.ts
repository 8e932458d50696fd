// Published-package checks: the main entry imports no server code and nothing runtime-specific, every
// export of the entry points carries TSDoc, and docs/sdk.md shows the embedding example verbatim.

import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const here = (relative: string): string => fileURLToPath(new URL(relative, import.meta.url))

describe('@amber/client layout', () => {
  it('the main entry bundles for browsers and Workers with no server code and no Node built-in', async () => {
    const result = await build({
      entryPoints: [here('../src/index.ts')],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      metafile: true,
      logLevel: 'silent',
    })
    const inputs = Object.keys(result.metafile.inputs)
    const imports = Object.values(result.metafile.inputs).flatMap((input) =>
      input.imports.map((imported) => imported.path),
    )
    // The only @amber/core modules are the pure tree functions; nothing from the room, the log or a host.
    expect(
      inputs.filter(
        (file) => file.includes('packages/core/src/') && !file.includes('packages/core/src/tree/'),
      ),
    ).toEqual([])
    expect(inputs.filter((file) => file.includes('apps/'))).toEqual([])
    expect(imports.filter((path) => path.startsWith('node:') || path.startsWith('cloudflare:'))).toEqual([])
  })

  it('every export of the main entry has TSDoc', () => {
    const entry = here('../src/index.ts')
    const program = ts.createProgram([entry], {
      strict: true,
      allowImportingTsExtensions: true,
      noEmit: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
    })
    const checker = program.getTypeChecker()
    const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!
    const undocumented: string[] = []
    for (const exported of checker.getExportsOfModule(module)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported
      // The store types are documented with the stores (src/store, test/store).
      if (
        symbol.declarations?.some((declaration) =>
          declaration.getSourceFile().fileName.includes('/src/store/'),
        )
      )
        continue
      if (symbol.getDocumentationComment(checker).length === 0) undocumented.push(exported.name)
    }
    expect(undocumented).toEqual([])
  })

  it('docs/sdk.md shows examples/embed.ts verbatim', async () => {
    const guide = await readFile(here('../../../docs/sdk.md'), 'utf8')
    const example = await readFile(here('../examples/embed.ts'), 'utf8')
    expect(guide).toContain('```ts\n' + example + '```\n')
  })
})
