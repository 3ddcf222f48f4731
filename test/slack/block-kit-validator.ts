// A checker of Slack's documented Block Kit limits and required fields (docs/slack-block-kit-limits.md),
// for any message or view the app builds: lengths, counts, unique ids, what each block and element must have, and
// mrkdwn in which every & < > is either escaped or one of Slack's own tokens. Returns the problems, each with where.
// Reusable: a test that adds a surface calls checkMessage / checkView and expects [].

/** Slack's documented limits, in characters or items (docs.slack.dev block and element pages, @slack/types). */
export const SLACK_LIMITS = {
  messageText: 4000,
  messageBlocks: 50,
  viewBlocks: 100,
  viewBytes: 250_000,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  id: 255,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  textInputMax: 3000,
  selectOptions: 100,
  choiceOptions: 10,
  optionGroups: 100,
  optionText: 75,
  optionValue: 75,
} as const;

type Json = Record<string, unknown>;

/** Slack's own `<…>` tokens the app may write: mentions, channels, dates, user groups, links. Never @here/@channel. */
const TOKEN =
  /^<(?:@[UW][A-Z0-9]+|#C[A-Z0-9]+(?:\|[^<>]*)?|!date\^\d+\^[^|<>]*(?:\|[^<>]*)?|!subteam\^S[A-Z0-9]+|(?:https?:\/\/|mailto:)[^\s|<>]+(?:\|[^<>]*)?)>/;
const ENTITY = /^&(?:amp|lt|gt);/;

/** Problems with a mrkdwn string: a raw & < > that is not an entity, a Slack token or a quote marker. */
export function checkMrkdwn(text: string): string[] {
  const problems: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '<') {
      const token = TOKEN.exec(text.slice(i, i + 4000));
      if (!token) problems.push(`raw "<" at ${i}: ${JSON.stringify(text.slice(i, i + 30))}`);
      else i += token[0].length - 1;
    } else if (ch === '&') {
      if (!ENTITY.test(text.slice(i, i + 5)))
        problems.push(`raw "&" at ${i}: ${JSON.stringify(text.slice(i, i + 20))}`);
    } else if (ch === '>') {
      // A quote marker opens a line; anywhere else it must have been escaped.
      if (i > 0 && text[i - 1] !== '\n')
        problems.push(`raw ">" at ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 10), i + 10))}`);
    }
  }
  return problems;
}

class Checker {
  readonly problems: string[] = [];

  fail(path: string, message: string) {
    this.problems.push(`${path}: ${message}`);
  }

  max(path: string, value: unknown, limit: number) {
    if (typeof value === 'string' && value.length > limit) this.fail(path, `${value.length} characters, max ${limit}`);
  }

  text(path: string, value: unknown, limit: number, kinds: readonly string[] = ['plain_text', 'mrkdwn']) {
    const t = value as Json | undefined;
    if (!t || typeof t !== 'object') return this.fail(path, 'missing text object');
    if (!kinds.includes(String(t.type)))
      return this.fail(path, `text type ${String(t.type)}, expected ${kinds.join('|')}`);
    if (typeof t.text !== 'string' || t.text.length === 0) return this.fail(path, 'empty text');
    this.max(path, t.text, limit);
    if (t.type === 'mrkdwn') for (const p of checkMrkdwn(t.text)) this.fail(path, p);
  }

  id(path: string, value: unknown, seen: Set<string>, what: string, required: boolean) {
    if (value === undefined) {
      if (required) this.fail(path, `missing ${what}`);
      return;
    }
    if (typeof value !== 'string' || value.length === 0) return this.fail(path, `${what} must be a non-empty string`);
    this.max(path, value, SLACK_LIMITS.id);
    if (seen.has(value)) this.fail(path, `${what} ${value} is not unique`);
    seen.add(value);
  }

  confirm(path: string, c: unknown) {
    if (c === undefined) return;
    const d = c as Json;
    this.text(`${path}.title`, d.title, SLACK_LIMITS.confirmTitle, ['plain_text']);
    this.text(`${path}.text`, d.text, SLACK_LIMITS.confirmText);
    this.text(`${path}.confirm`, d.confirm, SLACK_LIMITS.confirmButton, ['plain_text']);
    this.text(`${path}.deny`, d.deny, SLACK_LIMITS.confirmButton, ['plain_text']);
  }

  option(path: string, o: Json, values: Set<string>) {
    this.text(`${path}.text`, o.text, SLACK_LIMITS.optionText, ['plain_text']);
    if (typeof o.value !== 'string' || o.value.length === 0) this.fail(path, 'option without a value');
    this.max(`${path}.value`, o.value, SLACK_LIMITS.optionValue);
    if (typeof o.value === 'string') {
      if (values.has(o.value)) this.fail(path, `option value ${o.value} is not unique`);
      values.add(o.value);
    }
  }

  element(path: string, e: Json, actionIds: Set<string>) {
    this.id(path, e.action_id, actionIds, 'action_id', e.type !== 'button' || e.url === undefined);
    if (e.placeholder !== undefined)
      this.text(`${path}.placeholder`, e.placeholder, SLACK_LIMITS.placeholder, ['plain_text']);
    this.confirm(`${path}.confirm`, e.confirm);
    switch (e.type) {
      case 'button':
        this.text(`${path}.text`, e.text, SLACK_LIMITS.buttonText, ['plain_text']);
        this.max(`${path}.value`, e.value, SLACK_LIMITS.buttonValue);
        this.max(`${path}.url`, e.url, SLACK_LIMITS.buttonUrl);
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger')
          this.fail(path, `style ${String(e.style)}`);
        return;
      case 'plain_text_input':
      case 'email_text_input': {
        const maxLength = typeof e.max_length === 'number' ? e.max_length : SLACK_LIMITS.textInputMax;
        if (maxLength < 1 || maxLength > SLACK_LIMITS.textInputMax) this.fail(path, `max_length ${maxLength}`);
        if (typeof e.initial_value === 'string' && e.initial_value.length > maxLength) {
          this.fail(path, `initial_value longer than max_length ${maxLength}`);
        }
        return;
      }
      case 'static_select':
        return this.select(path, e);
      case 'radio_buttons':
      case 'checkboxes':
        return this.choices(path, e);
      case 'file_input': {
        const max = typeof e.max_files === 'number' ? e.max_files : 10;
        if (max < 1 || max > 10) this.fail(path, `max_files ${max}`);
        return;
      }
      case 'datepicker':
        if (e.initial_date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(String(e.initial_date))) {
          this.fail(path, `initial_date ${String(e.initial_date)} is not YYYY-MM-DD`);
        }
        return;
      default:
        this.fail(path, `element type ${String(e.type)} is not checked here: add it to the validator`);
    }
  }

  /** Radio buttons and checkboxes: 1 to 10 options, text plain or mrkdwn, the initial ones among them. */
  choices(path: string, e: Json) {
    const values = new Set<string>();
    const options = (e.options as Json[] | undefined) ?? [];
    if (options.length === 0 || options.length > SLACK_LIMITS.choiceOptions)
      this.fail(path, `${options.length} options`);
    for (const [i, o] of options.entries()) {
      this.text(`${path}.options[${i}].text`, o.text, SLACK_LIMITS.optionText);
      if (o.description !== undefined)
        this.text(`${path}.options[${i}].description`, o.description, SLACK_LIMITS.optionText);
      this.max(`${path}.options[${i}].value`, o.value, SLACK_LIMITS.optionValue);
      if (typeof o.value !== 'string' || values.has(o.value))
        this.fail(`${path}.options[${i}]`, 'value missing or not unique');
      if (typeof o.value === 'string') values.add(o.value);
    }
    const initial = [e.initial_option, ...((e.initial_options as unknown[] | undefined) ?? [])].filter(
      Boolean,
    ) as Json[];
    for (const o of initial)
      if (!values.has(String(o.value))) this.fail(path, 'an initial option is not one of the options');
  }

  select(path: string, e: Json) {
    const values = new Set<string>();
    const groups = (e.option_groups as Json[] | undefined) ?? [];
    const options = (e.options as Json[] | undefined) ?? [];
    if ((groups.length === 0) === (options.length === 0)) this.fail(path, 'needs options or option_groups, not both');
    if (options.length > SLACK_LIMITS.selectOptions) this.fail(path, `${options.length} options`);
    if (groups.length > SLACK_LIMITS.optionGroups) this.fail(path, `${groups.length} option groups`);
    for (const [i, o] of options.entries()) this.option(`${path}.options[${i}]`, o, values);
    for (const [i, g] of groups.entries()) {
      this.text(`${path}.option_groups[${i}].label`, g.label, SLACK_LIMITS.optionText, ['plain_text']);
      const inner = (g.options as Json[] | undefined) ?? [];
      if (inner.length === 0 || inner.length > SLACK_LIMITS.selectOptions) this.fail(path, `group of ${inner.length}`);
      for (const [j, o] of inner.entries()) this.option(`${path}.option_groups[${i}].options[${j}]`, o, values);
    }
    const initial = e.initial_option as Json | undefined;
    if (initial && !values.has(String(initial.value))) this.fail(path, 'initial_option is not one of the options');
  }

  /** Rich text: sections, lists, quotes and preformatted runs of non-empty text elements (shown literally). */
  richText(path: string, b: Json) {
    const parts = (b.elements as Json[] | undefined) ?? [];
    if (parts.length === 0) this.fail(path, 'rich_text without elements');
    for (const [i, part] of parts.entries()) {
      const kinds = ['rich_text_section', 'rich_text_preformatted', 'rich_text_quote', 'rich_text_list'];
      if (!kinds.includes(String(part.type)))
        this.fail(`${path}.elements[${i}]`, `rich text type ${String(part.type)}`);
      for (const [j, run] of ((part.elements as Json[] | undefined) ?? []).entries()) {
        if (run.type === 'text' && (typeof run.text !== 'string' || run.text === '')) {
          this.fail(`${path}.elements[${i}].elements[${j}]`, 'empty text');
        }
      }
    }
  }

  block(path: string, b: Json, blockIds: Set<string>) {
    this.id(path, b.block_id, blockIds, 'block_id', false);
    const actionIds = new Set<string>();
    switch (b.type) {
      case 'section': {
        const fields = (b.fields as unknown[] | undefined) ?? [];
        if (b.text === undefined && fields.length === 0) this.fail(path, 'section without text or fields');
        if (b.text !== undefined) this.text(`${path}.text`, b.text, SLACK_LIMITS.sectionText);
        if (fields.length > SLACK_LIMITS.sectionFields) this.fail(path, `${fields.length} fields`);
        for (const [i, f] of fields.entries()) this.text(`${path}.fields[${i}]`, f, SLACK_LIMITS.fieldText);
        if (b.accessory !== undefined) this.element(`${path}.accessory`, b.accessory as Json, actionIds);
        return;
      }
      case 'header':
        return this.text(`${path}.text`, b.text, SLACK_LIMITS.headerText, ['plain_text']);
      case 'context': {
        const elements = (b.elements as Json[] | undefined) ?? [];
        if (elements.length === 0 || elements.length > SLACK_LIMITS.contextElements) {
          this.fail(path, `${elements.length} context elements`);
        }
        for (const [i, e] of elements.entries()) this.text(`${path}.elements[${i}]`, e, SLACK_LIMITS.contextText);
        return;
      }
      case 'actions': {
        const elements = (b.elements as Json[] | undefined) ?? [];
        if (elements.length === 0 || elements.length > SLACK_LIMITS.actionsElements) {
          this.fail(path, `${elements.length} actions`);
        }
        for (const [i, e] of elements.entries()) this.element(`${path}.elements[${i}]`, e, actionIds);
        return;
      }
      case 'input':
        this.text(`${path}.label`, b.label, SLACK_LIMITS.inputLabel, ['plain_text']);
        if (b.hint !== undefined) this.text(`${path}.hint`, b.hint, SLACK_LIMITS.inputHint, ['plain_text']);
        if (b.optional !== undefined && typeof b.optional !== 'boolean') this.fail(path, 'optional must be a boolean');
        if (!b.element) return this.fail(path, 'input without an element');
        return this.element(`${path}.element`, b.element as Json, actionIds);
      case 'divider':
        return;
      case 'rich_text':
        return this.richText(path, b);
      default:
        this.fail(path, `block type ${String(b.type)} is not checked here: add it to the validator`);
    }
  }

  blocks(blocks: unknown, limit: number) {
    if (blocks === undefined) return;
    if (!Array.isArray(blocks)) return this.fail('blocks', 'not an array');
    if (blocks.length > limit) this.fail('blocks', `${blocks.length} blocks, max ${limit}`);
    const blockIds = new Set<string>();
    for (const [i, b] of blocks.entries()) this.block(`blocks[${i}]`, b as Json, blockIds);
  }
}

/** A chat message (posted, updated, ephemeral or a response_url reply), or a bare string of mrkdwn text. */
export function checkMessage(message: string | { text?: unknown; blocks?: unknown }): string[] {
  const m = typeof message === 'string' ? { text: message } : message;
  const c = new Checker();
  if (typeof m.text !== 'string' || m.text.trim() === '') c.fail('text', 'every message needs a fallback text');
  else {
    c.max('text', m.text, SLACK_LIMITS.messageText);
    for (const p of checkMrkdwn(m.text)) c.fail('text', p);
  }
  c.blocks(m.blocks, SLACK_LIMITS.messageBlocks);
  return c.problems;
}

/** A modal or a Home tab. */
export function checkView(view: { type?: unknown } & Record<string, unknown>): string[] {
  const c = new Checker();
  const bytes = Buffer.byteLength(JSON.stringify(view));
  if (bytes > SLACK_LIMITS.viewBytes) c.fail('view', `${bytes} bytes`);
  if (view.type === 'modal') {
    c.text('title', view.title, SLACK_LIMITS.modalTitle, ['plain_text']);
    if (view.close !== undefined) c.text('close', view.close, SLACK_LIMITS.modalButton, ['plain_text']);
    if (view.submit !== undefined) c.text('submit', view.submit, SLACK_LIMITS.modalButton, ['plain_text']);
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => (b as Json).type === 'input');
    if (hasInput && view.submit === undefined) c.fail('submit', 'a modal with inputs needs a submit button');
  } else if (view.type !== 'home') {
    c.fail('type', `view type ${String(view.type)}`);
  }
  c.max('private_metadata', view.private_metadata, SLACK_LIMITS.privateMetadata);
  c.max('callback_id', view.callback_id, SLACK_LIMITS.id);
  if (!Array.isArray(view.blocks) || view.blocks.length === 0) c.fail('blocks', 'a view needs blocks');
  c.blocks(view.blocks, SLACK_LIMITS.viewBlocks);
  return c.problems;
}
