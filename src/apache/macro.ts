/**
 * mod_macro (modules/core/mod_macro.c): <Macro Name $a $b> keeps its body as raw
 * lines; `Use Name x y` substitutes the arguments and parses the result as a
 * pseudo-file whose name httpd prints in errors.
 */
import type { LogicalLine } from './lines.js';
import type { Directive } from './tree.js';

export interface MacroDef {
  name: string;
  params: string[];
  lines: LogicalLine[];
  file: string;
  line: number;
}

export function parseMacroHeader(
  node: Directive,
  lines: LogicalLine[],
): { def: MacroDef; warnings: string[] } | { error: string } {
  const [name, ...params] = node.args;
  if (!name) return { error: 'macro definition: name not specified' };
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (const p of params) {
    if (seen.has(p))
      return {
        error: `macro '${name}' (defined on line ${node.line} of "${node.file}") has a duplicated parameter '${p}'`,
      };
    seen.add(p);
    if (!/^[$%@]/.test(p)) {
      warnings.push(
        `macro '${name}' (defined on line ${node.line} of "${node.file}") argument name '${p}' (#${params.indexOf(p) + 1}) without expected prefix, better prefix argument names with one of '$%@'.`,
      );
    }
  }
  if (lines.every((l) => l.text === '' || l.text.startsWith('#'))) {
    warnings.push(`macro '${name}' (defined on line ${node.line} of "${node.file}") has an empty contents`);
  }
  return { def: { name, params, lines, file: node.file, line: node.line }, warnings };
}

export function expandMacro(
  def: MacroDef,
  values: string[],
  useFile: string,
  useLine: number,
): { lines: LogicalLine[]; pseudoFile: string } | { error: string } {
  // httpd prints macro names lower-cased in this pseudo-file name.
  const where = `macro '${def.name.toLowerCase()}' (defined on line ${def.line} of "${def.file}")`;
  if (values.length !== def.params.length) {
    return { error: `${where} used with ${values.length} arguments instead of ${def.params.length}` };
  }
  // Longest parameter name first, so $ab is not replaced by $a's value.
  const order = def.params.map((p, i) => ({ p, v: values[i] ?? '' })).sort((a, b) => b.p.length - a.p.length);
  const lines = def.lines.map((l) => ({ ...l, text: substitute(l.text, order) }));
  return { lines, pseudoFile: `${where} used on line ${useLine} of "${useFile}"` };
}

function substitute(text: string, order: { p: string; v: string }[]): string {
  if (order.length === 0) return text;
  let out = '';
  let i = 0;
  outer: while (i < text.length) {
    for (const { p, v } of order) {
      if (p !== '' && text.startsWith(p, i)) {
        out += p.startsWith('@') ? `"${v.replace(/["\\]/g, '\\$&')}"` : v;
        i += p.length;
        continue outer;
      }
    }
    out += text[i];
    i++;
  }
  return out;
}
