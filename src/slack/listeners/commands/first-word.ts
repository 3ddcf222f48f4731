// The subcommand word of a slash command's text, lower-cased: "  Help me" → "help".
export function firstWord(text: string | undefined): string {
  return (text ?? '').trim().split(/\s+/, 1)[0]?.toLowerCase() ?? '';
}
