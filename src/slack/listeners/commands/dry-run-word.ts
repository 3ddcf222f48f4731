// `dry-run` as a word of a text command (/moodle-adduser dry-run jane@example.org Jane Doe, /moodle-user suspend
// jdoe dry-run): anywhere in the text, but not inside a quoted value (reason="a dry-run"), whose quotes may be
// straight or the curly ones Slack's clients type.
const TOKEN = /(?:"[^"]*"?|“[^”]*”?|'[^']*'?|[^\s"“'])+/g;
const WORD = 'dry-run';

export interface DryRunText {
  /** The text without the word. */
  text: string;
  dryRun: boolean;
}

export function takeDryRun(text: string): DryRunText {
  let kept = '';
  let last = 0;
  let dryRun = false;
  for (const match of text.matchAll(TOKEN)) {
    if (match[0].toLowerCase() !== WORD) continue;
    dryRun = true;
    kept += text.slice(last, match.index);
    last = match.index + match[0].length;
  }
  if (!dryRun) return { text, dryRun };
  return { text: `${kept}${text.slice(last)}`.replace(/\s{2,}/g, ' ').trim(), dryRun };
}
