/**
 * `# fcgi-doctor: ignore ID reason` comments in nginx's files (inline
 * suppressions, as in Apache's files): each with the line of the directive
 * right below it, so a suppression applies to the finding located there.
 * The reader drops comments, so the files read are scanned again here, only
 * those holding the marker at all.
 */
import type { MarkerComment } from '../../apache/index.js';
import type { NginxConfig, NginxFileSource } from '../../nginx/index.js';

const MARKER = Buffer.from('fcgi-doctor:');

export function nginxMarkerComments(config: NginxConfig, source: NginxFileSource): MarkerComment[] {
  const out: MarkerComment[] = [];
  const seen = new Set<string>();
  for (const { file } of config.files) {
    if (seen.has(file)) continue;
    seen.add(file);
    const r = source.readFile(file);
    if (!r.ok || r.data.indexOf(MARKER) === -1) continue;
    const lines = r.data.toString('utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const text = (lines[i] as string).trim();
      if (!text.startsWith('#') || !text.includes('fcgi-doctor:')) continue;
      const m: MarkerComment = { file, line: i + 1, text: text.replace(/\r$/, '') };
      // The directive right below: the next line, when it is neither blank, a comment nor a closing brace.
      const next = (lines[i + 1] ?? '').trim();
      if (next !== '' && !next.startsWith('#') && !next.startsWith('}')) m.directiveLine = i + 2;
      out.push(m);
    }
  }
  return out;
}
