// The one place that cuts text to Slack's limits, and the help replies built on it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildAddUserHelp, buildUnknownSubcommand, buildUserHelp } from '../../src/slack/blocks/help.js';
import { LIMITS, mrkdwn, plainText, truncateText } from '../../src/slack/blocks/text.js';
import { escapeMrkdwn } from '../../src/slack/blocks/untrusted.js';

/** No lone surrogate: an emoji cut in half would be one (String#isWellFormed is ES2024, beyond our lib). */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('truncateText', () => {
  it('never leaves half an entity or half a Slack token at the cut', () => {
    expect(truncateText('a b &amp; c', 7)).toBe('a b…');
    expect(truncateText('see <https://lms.example.org/user/profile.php?id=4|Open>', 20)).toBe('see…');
    expect(truncateText('ask <@U0ADMIN> now please', 12)).toBe('ask…');
    expect(truncateText('x &lt;y&gt; and more', 12)).toBe('x &lt;y&gt;…');
  });

  it('leaves text within the limit unchanged', () => {
    expect(truncateText('Jane Doe', 8)).toBe('Jane Doe');
  });

  it('cuts longer text to exactly the limit, ending with an ellipsis', () => {
    expect(truncateText('abcdefghij', 5)).toBe('abcd…');
    expect(truncateText('abcdefghij', 1)).toBe('…');
  });

  it('does not leave a trailing space before the ellipsis', () => {
    expect(truncateText('Jane Doe Smith', 6)).toBe('Jane…');
  });

  it('never splits an emoji (surrogate pair)', () => {
    const cut = truncateText('ab😀😀😀', 4);
    expect(cut).toBe('ab…');
    expect(isWellFormed(cut)).toBe(true);
  });

  it('rejects a limit that is not a positive whole number', () => {
    expect(() => truncateText('x', 0)).toThrow(RangeError);
    expect(() => truncateText('x', 2.5)).toThrow(RangeError);
  });

  it('always fits the limit, keeps well-formed text and keeps a prefix of the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.integer({ min: 1, max: 120 }), (text, max) => {
        const cut = truncateText(text, max);
        expect(cut.length).toBeLessThanOrEqual(max);
        expect(isWellFormed(cut)).toBe(true);
        if (text.length <= max) expect(cut).toBe(text);
        else expect(text.startsWith(cut.slice(0, -1).trimEnd())).toBe(true);
      }),
    );
  });
});

describe('text objects', () => {
  it('plainText and mrkdwn cut to the section limit by default', () => {
    const long = 'x'.repeat(5000);
    expect(plainText(long).text).toHaveLength(LIMITS.sectionText);
    expect(mrkdwn(long).text).toHaveLength(LIMITS.sectionText);
    expect(plainText('Approve', LIMITS.buttonText)).toEqual({ type: 'plain_text', text: 'Approve', emoji: true });
  });

  it('turns empty text into a space, which Slack accepts', () => {
    expect(plainText('').text).toBe(' ');
    expect(mrkdwn('').text).toBe(' ');
  });

  it('escapeMrkdwn neutralises mentions and links', () => {
    expect(escapeMrkdwn('<!channel> & <https://x.org|x>')).toBe('&lt;!channel&gt; &amp; &lt;https://x.org|x&gt;');
  });
});

describe('help replies', () => {
  it('are private and within Slack limits', () => {
    for (const help of [buildAddUserHelp(), buildUserHelp()]) {
      expect(help.response_type).toBe('ephemeral');
      expect(help.text.length).toBeLessThanOrEqual(LIMITS.messageText);
      expect(JSON.stringify(help.blocks).length).toBeLessThan(LIMITS.sectionText + 200);
    }
  });

  it('quote an unknown word safely and shortly', () => {
    const reply = buildUnknownSubcommand('/moodle-user', `\`<@U123>\`${'z'.repeat(100)}`, buildUserHelp());
    const first = JSON.stringify(reply.blocks[0]);
    expect(first).toContain('&lt;@U123&gt;');
    expect(first).not.toContain('<@U123>');
    expect(reply.text).toContain('…');
  });
});
