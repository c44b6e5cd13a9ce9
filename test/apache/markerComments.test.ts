import { describe, expect, it } from 'vitest';
import { MemoryFileSource } from '../../src/apache/source.js';
import { parseConfig } from '../../src/apache/parser.js';

const markers = (text: string, more: Record<string, string> = {}) =>
  parseConfig({
    rootFile: '/srv/httpd.conf',
    serverRoot: '/srv',
    source: new MemoryFileSource({ '/srv/httpd.conf': text, ...more }),
  }).markerComments;

describe('# fcgi-doctor: comments keep their file:line and the directive below', () => {
  it("a marker directly above a directive is that directive's, at the directive's line", () => {
    const m = markers(
      'ServerName x\n# fcgi-doctor: ignore socket-in-private-tmp no systemd\nFastCgiExternalServer /a -socket /tmp/a.sock\n',
    );
    expect(m).toEqual([
      {
        file: '/srv/httpd.conf',
        line: 2,
        text: '# fcgi-doctor: ignore socket-in-private-tmp no systemd',
        directiveLine: 3,
      },
    ]);
  });

  it('a blank line or an ordinary comment in between: the marker is above no directive', () => {
    expect(markers('# fcgi-doctor: ignore x why\n\nServerName x\n')[0]?.directiveLine).toBeUndefined();
    expect(markers('# fcgi-doctor: ignore x why\n# other\nServerName x\n')[0]?.directiveLine).toBeUndefined();
    expect(markers('# fcgi-doctor: ignore x why\n')[0]?.directiveLine).toBeUndefined();
  });

  it('stacked markers share the directive; a directive continued over lines gets its last line, as httpd numbers it', () => {
    const m = markers(
      '# fcgi-doctor: ignore a why\n  # fcgi-doctor: ignore b why\nFastCgiExternalServer /a \\\n  -socket /tmp/a.sock\n',
    );
    expect(m.map((x) => x.directiveLine)).toEqual([4, 4]);
  });

  it('inside sections and included files, and never for ordinary comments', () => {
    const m = markers(
      '<VirtualHost *:80>\n  # fcgi-doctor: ignore a why\n  ServerName x\n</VirtualHost>\nInclude /srv/site.conf\n# just a comment\n',
      {
        '/srv/site.conf': '# fcgi-doctor: ignore-file b shared\nServerAlias y\n',
      },
    );
    expect(m.map((x) => [x.file, x.line, x.directiveLine])).toEqual([
      ['/srv/httpd.conf', 2, 3],
      ['/srv/site.conf', 1, 2],
    ]);
  });
});
