// Every message and view the app can produce (block-kit-surfaces.ts), built from hostile and very long values,
// checked against Slack's documented limits and required fields (block-kit-validator.ts); and the checker itself
// checked, so that a pass means something.
import { describe, expect, it } from 'vitest';
import { REQUEST_OPERATIONS } from '../../src/core/operations/registry.js';
import { allMessages, allViews, SAMPLE_PAYLOADS } from './block-kit-surfaces.js';
import { checkMessage, checkMrkdwn, checkView } from './block-kit-validator.js';

describe('every surface the app builds stays within Slack’s limits', () => {
  it('has a sample of every operation in the registry', () => {
    expect(Object.keys(SAMPLE_PAYLOADS).sort()).toEqual([...REQUEST_OPERATIONS].sort());
  });

  it.each(allMessages())('message: %s', (_name, message) => {
    expect(checkMessage(message)).toEqual([]);
  });

  it.each(allViews())('view: %s', (_name, view) => {
    expect(checkView(view as unknown as Record<string, unknown>)).toEqual([]);
  });
});

describe('the checker', () => {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

  it('finds raw & < > in mrkdwn, and lets Slack’s own tokens, entities and quote markers through', () => {
    expect(
      checkMrkdwn('a &amp; b &lt;x&gt; <@U123> <#C123> <!date^1^{time}|x> <!subteam^S1> <https://a.b|c>\n> q'),
    ).toEqual([]);
    expect(checkMrkdwn('<email>')).toEqual(['raw "<" at 0: "<email>"', 'raw ">" at 6: "<email>"']);
    expect(checkMrkdwn('<!channel>')).toHaveLength(2);
    expect(checkMrkdwn('a & b')).toHaveLength(1);
    expect(checkMrkdwn('a > b')).toHaveLength(1);
  });

  it('finds every kind of broken limit and missing field in a message', () => {
    const problems = checkMessage({
      text: '',
      blocks: [
        section('x'.repeat(3001)),
        { type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) },
        { type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] },
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'header', text: { type: 'mrkdwn', text: 'h' } },
        { type: 'section' },
        section(''),
        {
          type: 'actions',
          block_id: 'a',
          elements: [
            { type: 'button', action_id: 'b', text: { type: 'plain_text', text: 'x'.repeat(76) }, value: 'v' },
            { type: 'button', action_id: 'b', text: { type: 'plain_text', text: 'ok' }, style: 'green' },
          ],
        },
        { type: 'context', block_id: 'a', elements: [] },
        { type: 'image' },
        { type: 'section', block_id: 'x'.repeat(256), text: { type: 'mrkdwn', text: 'ok' } },
      ],
    });
    for (const expected of [
      'text: every message needs a fallback text',
      'blocks[0].text: 3001 characters, max 3000',
      'blocks[1]: 11 fields',
      'blocks[2].fields[0]: 2001 characters, max 2000',
      'blocks[3].text: 151 characters, max 150',
      'blocks[4].text: text type mrkdwn, expected plain_text',
      'blocks[5]: section without text or fields',
      'blocks[6].text: empty text',
      'blocks[7].elements[0].text: 76 characters, max 75',
      'blocks[7].elements[1]: action_id b is not unique',
      'blocks[7].elements[1]: style green',
      'blocks[8]: block_id a is not unique',
      'blocks[8]: 0 context elements',
      'blocks[9]: block type image is not checked here: add it to the validator',
      'blocks[10]: 256 characters, max 255',
    ]) {
      expect(problems).toContain(expected);
    }
    expect(checkMessage({ text: 'ok', blocks: Array.from({ length: 51 }, () => ({ type: 'divider' })) })).toEqual([
      'blocks: 51 blocks, max 50',
    ]);
  });

  it('finds what a view must have: title, submit with inputs, option limits, metadata size', () => {
    const problems = checkView({
      type: 'modal',
      title: { type: 'plain_text', text: 't'.repeat(25) },
      private_metadata: 'm'.repeat(3001),
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'L' },
          element: {
            type: 'static_select',
            action_id: 's',
            options: [
              { text: { type: 'plain_text', text: 'o'.repeat(76) }, value: 'a' },
              { text: { type: 'plain_text', text: 'b' }, value: 'a' },
            ],
            initial_option: { text: { type: 'plain_text', text: 'z' }, value: 'z' },
          },
        },
        {
          type: 'input',
          label: { type: 'plain_text', text: 'L' },
          element: { type: 'plain_text_input', action_id: 't', max_length: 3, initial_value: 'abcd' },
        },
      ],
    });
    for (const expected of [
      'title: 25 characters, max 24',
      'private_metadata: 3001 characters, max 3000',
      'submit: a modal with inputs needs a submit button',
      'blocks[0].element.options[0].text: 76 characters, max 75',
      'blocks[0].element.options[1]: option value a is not unique',
      'blocks[0].element: initial_option is not one of the options',
      'blocks[1].element: initial_value longer than max_length 3',
    ]) {
      expect(problems).toContain(expected);
    }
    const radio = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: `v${i}` }));
    const choices = checkView({
      type: 'modal',
      title: { type: 'plain_text', text: 'T' },
      submit: { type: 'plain_text', text: 'Go' },
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'L' },
          element: { type: 'radio_buttons', action_id: 'r', options: radio(11), initial_option: radio(12)[11] },
        },
        {
          type: 'input',
          label: { type: 'plain_text', text: 'D' },
          element: { type: 'datepicker', action_id: 'd', initial_date: '1/2/2027' },
        },
      ],
    });
    expect(choices).toEqual([
      'blocks[0].element: 11 options',
      'blocks[0].element: an initial option is not one of the options',
      'blocks[1].element: initial_date 1/2/2027 is not YYYY-MM-DD',
    ]);
    expect(checkView({ type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) })).toEqual([
      'blocks: 101 blocks, max 100',
    ]);
  });
});
