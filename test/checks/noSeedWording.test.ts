/**
 * "The seed" is what this project's authors called the old FastCGI guide the
 * tool was first written against; users never heard the word (issue 12 item
 * 9). No text a user can read may use it: finding pages, rule texts, the
 * README, and every string literal in src (comments are not output).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const SEED = /\bseed/i;

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(ext))
    .map((e) => join(e.parentPath, e.name));
}

/** The string literals and template texts of a TypeScript file (no comments, no import paths). */
function stringsOf(source: string): string[] {
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, /* skipTrivia */ true, ts.LanguageVariant.Standard, source);
  const out: string[] = [];
  let previous = ts.SyntaxKind.Unknown;
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.CloseBraceToken) {
      // The scanner needs telling when a `}` continues a template literal.
      const rescanned = scanner.reScanTemplateToken(false);
      if (rescanned === ts.SyntaxKind.TemplateMiddle || rescanned === ts.SyntaxKind.TemplateTail) kind = rescanned;
    }
    const isString =
      kind === ts.SyntaxKind.StringLiteral ||
      kind === ts.SyntaxKind.NoSubstitutionTemplateLiteral ||
      kind === ts.SyntaxKind.TemplateHead ||
      kind === ts.SyntaxKind.TemplateMiddle ||
      kind === ts.SyntaxKind.TemplateTail;
    if (isString && previous !== ts.SyntaxKind.FromKeyword && previous !== ts.SyntaxKind.ImportKeyword)
      out.push(scanner.getTokenValue());
    previous = kind;
  }
  return out;
}

describe('no user-facing text speaks of "the seed"', () => {
  it('finds seed wording in a string but not in a comment (the check can fail)', () => {
    expect(
      stringsOf("// the seed's guide\nconst a = `The seed's advice is ${x}`;\nconst b = 'plain';\n").filter((s) =>
        SEED.test(s),
      ),
    ).toEqual(["The seed's advice is "]);
  });

  it('finding pages, rule files and the README', () => {
    const texts = [...filesUnder('docs/findings', '.md'), ...filesUnder('rules', '.yaml'), join(ROOT, 'README.md')];
    const hits = texts.filter((f) => SEED.test(readFileSync(f, 'utf8'))).map((f) => f.slice(ROOT.length));
    expect(hits).toEqual([]);
  });

  it('string literals in src', () => {
    const hits: string[] = [];
    for (const file of filesUnder('src', '.ts')) {
      for (const s of stringsOf(readFileSync(file, 'utf8')))
        if (SEED.test(s)) hits.push(`${file.slice(ROOT.length)}: ${s}`);
    }
    expect(hits).toEqual([]);
  });
});
