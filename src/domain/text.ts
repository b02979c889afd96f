/**
 * C0 controls but tab, DEL and the C1 controls: what a terminal may take as the start of an
 * escape sequence (ESC, CSI U+009B, OSC U+009D…) or as cursor movement (CR, BS).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/**
 * Text from an untrusted program (a sensor's stderr) made safe to print: every control
 * character becomes its JSON-style escape, e.g. ESC → `\u001b`, so the text can reach a terminal
 * without moving its cursor, recolouring it or retitling its window. Tabs are kept.
 */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A connection URL without its password, for logs and messages (`postgres://attune:***@db/attune`). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}
