// `dry-run` as a word of a text command, and the dry run's answer.
import { describe, expect, it } from 'vitest';
import { buildDryRunBlocks, formatPlannedCall } from '../../src/slack/blocks/dry-run.js';
import { takeDryRun } from '../../src/slack/listeners/commands/dry-run-word.js';

describe('takeDryRun', () => {
  it('takes the word out wherever it stands, in any case', () => {
    expect(takeDryRun('dry-run jane@example.org Jane Doe')).toEqual({
      text: 'jane@example.org Jane Doe',
      dryRun: true,
    });
    expect(takeDryRun('suspend jdoe dry-run')).toEqual({ text: 'suspend jdoe', dryRun: true });
    expect(takeDryRun('suspend DRY-RUN jdoe reason="x"')).toEqual({ text: 'suspend jdoe reason="x"', dryRun: true });
  });

  it('leaves the text alone without the word, or with it only inside a quoted value or another word', () => {
    for (const text of [
      'suspend jdoe reason="a dry-run now"',
      'suspend jdoe reason=“a dry-run now”',
      "suspend jdoe reason='dry-run'",
      'update jdoe city=dry-run',
      'jane@example.org Jane dry-runner',
    ]) {
      expect(takeDryRun(text)).toEqual({ text, dryRun: false });
    }
  });
});

describe('buildDryRunBlocks', () => {
  const call = {
    wsfunction: 'core_user_create_users',
    fields: [
      ['wstoken', '•••'],
      ['wsfunction', 'core_user_create_users'],
      ['users[0][firstname]', '<!here> *Jane*\u202E'],
    ] as const,
  };

  it('shows each call literally as name=value lines, hidden characters marked', () => {
    expect(formatPlannedCall(call, 0)).toBe(
      '1. core_user_create_users\nwstoken=•••\nwsfunction=core_user_create_users\nusers[0][firstname]=<!here> *Jane*\uFFFD',
    );
  });

  it('says nothing changed, whether approval is needed, where it would stop, in rich text blocks', () => {
    const { text, blocks } = buildDryRunBlocks({
      kind: 'preview',
      direct: false,
      approvalsNeeded: 2,
      calls: [call],
      stopped: 'The <username> is taken.',
    });
    expect(text).toContain('nothing was stored and nothing changed in Moodle');
    expect(text).toContain('1 web-service call');
    const json = JSON.stringify(blocks);
    expect(json).toContain('2 different approvers');
    expect(json).toContain('The &lt;username&gt; is taken.');
    expect(blocks.filter((b) => b.type === 'rich_text')).toHaveLength(1);
  });
});
