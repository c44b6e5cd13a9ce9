/**
 * handler-matches-inner-extension: `AddHandler <fastcgi handler> .php` also
 * runs "photo.php.jpg", because mod_mime checks every extension of the name.
 */
import type { Finding } from '../../findings/finding.js';
import type { ConfigCheck } from './context.js';
import { at, finding } from './make.js';

/** The text before the first " → " (an Action chain's AddHandler), or all of it. */
function firstLink(text: string): string {
  const arrow = text.indexOf(' → ');
  return arrow === -1 ? text : text.slice(0, arrow);
}

export const handlerMatchesInnerExtensionCheck: ConfigCheck = {
  ids: ['handler-matches-inner-extension'],
  run(ctx) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const s of ctx.model.setups) {
      if (!s.active) continue;
      // Where the module refuses to run scripts (no ExecCGI), nothing is executed either way.
      if ((s.mode === 'fcgid' || s.mode === 'dynamic') && !s.options?.values.includes('ExecCGI')) continue;
      for (const m of s.reachedBy) {
        if (!m.extensions || m.extensions.length === 0 || m.files) continue;
        if (m.kind !== 'AddHandler' && !(m.kind === 'Action' && m.text.startsWith('AddHandler'))) continue;
        const key = `${m.at.file}:${m.at.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const ext = m.extensions[0] ?? '.php';
        out.push(
          finding({
            id: 'handler-matches-inner-extension',
            severity: 'warning',
            title: `AddHandler ${ext} also runs files like upload${ext}.jpg`,
            message: `"${firstLink(m.text)}" hands any file with ${ext} anywhere in its name to the FastCGI application, because mod_mime checks every extension, not only the last: an uploaded "photo${ext}.jpg" is executed as a script${
              // mod_fcgid and mod_fastcgi's dynamic mode exec() the file itself: it needs its execute bit.
              s.mode === 'fcgid' || s.mode === 'dynamic'
                ? ' (when it has its execute bit: the module runs the file itself)'
                : ''
            }.`,
            at: m.at,
            evidence: [`${at(m.at)}: ${m.text}`],
            fix: `Use <FilesMatch "\\${ext}$"> SetHandler ${m.handler ?? 'HANDLER'} </FilesMatch> instead of AddHandler, so only names ending in ${ext} are run.`,
          }),
        );
      }
    }
    return out;
  },
};
