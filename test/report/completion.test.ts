import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../client/support.js';
import { run } from './support.js';

const hasZsh = spawnSync('zsh', ['-c', 'true']).status === 0;

describe('fcgi-doctor completion', () => {
  it('bash: a script bash accepts, that completes commands, options, --format values and explain ids', async () => {
    const r = await run(['completion', 'bash']);
    expect(r.code).toBe(0);
    const script = r.stdout;
    expect(script).toContain('complete -o default -F _fcgi_doctor fcgi-doctor');
    const commands = /compgen -W "([^"]*--version)"/.exec(script)?.[1]?.split(' ') ?? [];
    for (const c of ['ping', 'check', 'trace', 'logs', 'explain', 'rules', 'serve', 'completion', '--help'])
      expect(commands).toContain(c);
    expect(script).toContain('compgen -W "text json sarif github nagios jsonl openmetrics prometheus"');
    expect(script).toContain('compgen -W "error warning"');
    expect(script).toContain('socket-missing');
    const dir = makeTempDir('completion');
    try {
      const file = dir.join('fcgi-doctor.bash');
      writeFileSync(file, script);
      execFileSync('bash', ['-n', file]);
      // Complete for real: what does `fcgi-doctor ping /x --format ` offer, and `fcgi-doctor ch`?
      const complete = (line: string[]) =>
        execFileSync('bash', [
          '-c',
          `source ${file}; COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${line.length - 1}; _fcgi_doctor; echo "\${COMPREPLY[*]}"`,
        ])
          .toString()
          .trim();
      expect(complete(['fcgi-doctor', 'ping', '/x', '--format', ''])).toBe(
        'text json sarif github nagios jsonl openmetrics prometheus',
      );
      expect(complete(['fcgi-doctor', 'status', '--format', ''])).toBe('text json nagios jsonl openmetrics prometheus');
      expect(complete(['fcgi-doctor', 'status', '--serve'])).toBe('--serve-metrics');
      expect(complete(['fcgi-doctor', 'logs', '--outp'])).toBe('--output');
      expect(complete(['fcgi-doctor', 'explain', '--format', ''])).toBe('text json');
      expect(complete(['fcgi-doctor', 'ch'])).toBe('check');
      expect(complete(['fcgi-doctor', 'check', '--fa'])).toBe('--fail-on');
      expect(complete(['fcgi-doctor', 'explain', 'socket-mis']).split(' ')).toContain('socket-missing');
      expect(complete(['fcgi-doctor', 'completion', ''])).toBe('bash zsh');
      expect(complete(['fcgi-doctor', 'trace', 'http://x/', '--format', ''])).toBe('text json sarif github');
      expect(complete(['fcgi-doctor', 'trace', 'http://x/', '--server', ''])).toBe('apache nginx');
      expect(complete(['fcgi-doctor', 'trace', 'http://x/', '--of'])).toBe('--offline');
      expect(complete(['fcgi-doctor', 'ping', '/x', '--timeout', ''])).toBe('');
    } finally {
      dir.remove();
    }
  });

  it('zsh: a #compdef script with every command and the --format values', async () => {
    const r = await run(['completion', 'zsh']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('#compdef fcgi-doctor\n')).toBe(true);
    for (const cmd of ['ping', 'check', 'logs', 'explain', 'rules', 'serve', 'completion'])
      expect(r.stdout).toContain(`'${cmd}:`);
    expect(r.stdout).toContain(
      "'--format[output format\\: text, json, sarif, github, nagios, jsonl, openmetrics, prometheus]:format:(text json sarif github nagios jsonl openmetrics prometheus)'",
    );
    expect(r.stdout).toContain("'(-q --quiet)'{-q,--quiet}'[findings only]'");
    expect(r.stdout).toMatch(/'--body-file\[[^\]]*\]:body-file:_files'/);
    expect(r.stdout).toMatch(/'--timeout\[[^\]]*\]:timeout: '/);
    if (hasZsh) {
      const dir = makeTempDir('completion-zsh');
      try {
        writeFileSync(dir.join('_fcgi-doctor'), r.stdout);
        execFileSync('zsh', ['-n', dir.join('_fcgi-doctor')]);
      } finally {
        dir.remove();
      }
    }
  });

  it('another shell is a usage error (exit 2)', async () => {
    const r = await run(['completion', 'fish']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bash or zsh/);
  });
});
