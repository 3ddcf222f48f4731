// Helpers for the CSV import's end-to-end tests: host a file on the fake Slack, open the import form as a person
// would (/moodle-adduser import), submit it with the file_input's value as Slack sends it, and follow the modal
// through "Checking…" to the preview and to what the submission became.
import { expect } from 'vitest';
import { ACTION_IDS, BLOCK_IDS, CALLBACK_IDS, INPUT_ACTION_IDS } from '../../src/slack/ids.js';
import { type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import type { FakeSlackFile, HostFileOptions, RecordedCall } from '../fakes/fake-slack/fake-slack.js';
import { buildBlockActions, buildViewSubmission } from '../fakes/sign.js';
import { type AckResult, startTestApp, type TestApp, type Transport } from './harness.js';

export interface OpenedForm {
  view: Record<string, unknown>;
  viewId: string;
}

/** Runs `/moodle-adduser import` and returns the form it opened. */
export async function openImportForm(t: TestApp, userId: string): Promise<OpenedForm> {
  const command = await t.command('/moodle-adduser', 'import', { userId, channelId: 'C0GENERAL' });
  expect(command.ack.status).toBe(200);
  const call = await t.slack.waitForCall('views.open', (c) => c.args.trigger_id === command.triggerId);
  expect(call.response?.ok).toBe(true);
  const view = call.args.view as Record<string, unknown>;
  expect(view.callback_id).toBe(CALLBACK_IDS.importModal);
  return { view, viewId: String((call.response?.view as { id?: string } | undefined)?.id) };
}

export interface FormInput {
  /** The files the file_input holds (Slack's file objects); a hosted file's by default. */
  files: unknown[];
  mode?: 'create' | 'create_or_update';
  reason?: string;
}

/** Submits the import form as Slack does: the file_input's files, the radio choice, the reason. */
export function submitImportForm(t: TestApp, user: string, form: OpenedForm, input: FormInput): Promise<AckResult> {
  const mode = input.mode ?? 'create';
  return t.submitView(
    buildViewSubmission({
      user: { id: user },
      callbackId: CALLBACK_IDS.importModal,
      viewId: form.viewId,
      privateMetadata: String(form.view.private_metadata),
      blocks: form.view.blocks as unknown[],
      triggerId: t.slack.issueTriggerId(),
      values: {
        [BLOCK_IDS.importFileBlock]: { [INPUT_ACTION_IDS.importFileInput]: { type: 'file_input', files: input.files } },
        [BLOCK_IDS.importModeBlock]: {
          [INPUT_ACTION_IDS.importModeInput]: { type: 'radio_buttons', selected_option: { value: mode } },
        },
        [BLOCK_IDS.reasonBlock]: {
          [INPUT_ACTION_IDS.reasonInput]: { type: 'plain_text_input', value: input.reason ?? null },
        },
      },
    }),
  );
}

/** Hosts `content` as a CSV file on the fake Slack, uploaded by `user`. */
export function hostCsv(t: TestApp, name: string, content: string | Buffer, extra: Partial<HostFileOptions> = {}) {
  return t.slack.hostFile({ name, content, user: 'U0REQUESTER', ...extra });
}

/** The inline errors of an ack (`response_action: errors`), or undefined for any other ack. */
export function inlineErrors(ack: AckResult): Record<string, string> | undefined {
  const body = ack.body as { response_action?: string; errors?: Record<string, string> } | undefined;
  return body?.response_action === 'errors' ? body.errors : undefined;
}

/** The first views.update of this modal whose view satisfies `match` (past or future). */
export async function viewUpdate(
  t: TestApp,
  viewId: string,
  match: (view: Record<string, unknown>) => boolean,
): Promise<{ call: RecordedCall; view: Record<string, unknown> }> {
  const call = await t.slack.waitForCall(
    'views.update',
    (c) => c.args.view_id === viewId && match(c.args.view as Record<string, unknown>),
  );
  expect(call.response?.ok).toBe(true);
  return { call, view: call.args.view as Record<string, unknown> };
}

/** Opens the form, submits `file`, and returns the preview view (it has the "Download the full check" button). */
export async function previewFile(
  t: TestApp,
  user: string,
  file: FakeSlackFile,
  options: Omit<FormInput, 'files'> = {},
): Promise<{ form: OpenedForm; preview: Record<string, unknown> }> {
  const form = await openImportForm(t, user);
  const ack = await submitImportForm(t, user, form, { files: [file], ...options });
  expect(inlineErrors(ack)).toBeUndefined();
  const { view } = await viewUpdate(t, form.viewId, (v) => JSON.stringify(v).includes(ACTION_IDS.importCheckButton));
  return { form, preview: view };
}

/** Clicks "Download the full check" in the preview, as Slack sends a button in a modal. */
export function clickCheck(t: TestApp, user: string, viewId: string, preview: Record<string, unknown>) {
  return t.action(
    buildBlockActions({
      user: { id: user },
      actions: [{ action_id: ACTION_IDS.importCheckButton, block_id: BLOCK_IDS.importCheckBlock, value: 'check' }],
      triggerId: t.slack.issueTriggerId(),
      // The view as Slack holds it now: its current hash (a stale one makes views.update fail with hash_conflict).
      view: { ...preview, id: viewId, hash: t.slack.views.get(viewId)?.hash, state: { values: {} } },
    }),
  );
}

/** Presses "Submit for approval" on the preview; returns the view that says what it became. */
export async function submitPreview(
  t: TestApp,
  user: string,
  viewId: string,
  preview: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const ack = await t.submitView(
    buildViewSubmission({
      user: { id: user },
      callbackId: CALLBACK_IDS.importPreviewModal,
      viewId,
      privateMetadata: String(preview.private_metadata),
      blocks: preview.blocks as unknown[],
      triggerId: t.slack.issueTriggerId(),
      values: {},
    }),
  );
  expect((ack.body as { response_action?: string }).response_action).toBe('update');
  const { view } = await viewUpdate(t, viewId, (v) =>
    /Import `R-|:no_entry:|Nothing was submitted|cannot be imported/.test(JSON.stringify(v)),
  );
  return view;
}

/** A CSV text from a header and rows. */
export function csv(header: string, rows: readonly string[]): string {
  return `${[header, ...rows].join('\n')}\n`;
}

export interface ImportTestbed {
  t: TestApp;
  moodle: FakeMoodle;
  stop(): Promise<void>;
}

/** The app over signed HTTP against a fresh fake Moodle and fake Slack; `env` is added to the test env. */
export async function startImportTestbed(
  env: Record<string, string>,
  users: ReadonlyArray<{ id: string }>,
  transport: Transport = 'http',
): Promise<ImportTestbed> {
  const moodle = await startFakeMoodle();
  const t = await startTestApp({
    transport,
    moodleUrl: moodle.url,
    env: { MOODLE_TOKEN: moodle.token, ...env },
    slack: { users: [...users] },
  });
  return {
    t,
    moodle,
    async stop() {
      await t.stop();
      await moodle.close();
    },
  };
}
