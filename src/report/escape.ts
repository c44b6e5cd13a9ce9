/**
 * Everything a backend or a log sends is untrusted. Before it reaches a
 * terminal, control characters become visible escapes: an `ESC]0;…` in a
 * response body must not retitle the terminal, clear the screen or move the
 * cursor, and a bare CR must not overwrite the line before it. Newlines and
 * tabs stay; bidirectional overrides (which can reorder what a reader sees)
 * are escaped too.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

// The same characters, without /g (test() on a /g regex moves lastIndex), and with \n and \t for escapeOneLine.
// eslint-disable-next-line no-control-regex
const ANY_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
// eslint-disable-next-line no-control-regex
const ANY_UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export function escapeControl(text: string): string {
  // Most text has nothing to escape: return it as is, without running the replacer.
  if (!ANY_UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    if (c === '\r') return '\\r';
    if (c === '\u001b') return '\\e';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Also escapes newlines and tabs: for values shown on one line. */
export function escapeOneLine(text: string): string {
  if (!ANY_UNSAFE_ONE_LINE.test(text)) return text;
  return escapeControl(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
}

/**
 * JSON text (JSON and SARIF output) with every character a terminal could act
 * on written as a \uXXXX escape. JSON.stringify already escapes C0 controls;
 * DEL, the C1 controls (U+0080–U+009F, which some terminals obey as CSI and
 * OSC) and the bidirectional overrides it leaves raw. They can only stand
 * inside a JSON string, where the escape means the same character: the data
 * a program parses is unchanged, only its bytes are safe to print.
 */
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex
const ANY_JSON_UNSAFE = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

export function escapeJsonText(json: string): string {
  if (!ANY_JSON_UNSAFE.test(json)) return json;
  return json.replace(JSON_UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
