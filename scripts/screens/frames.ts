// The frames around the blocks: a message in a channel (the app's name and the time above), a modal (title bar,
// Close and Submit below), and the Home tab. Each returns a whole SVG document.
import { block, button, type Frame } from './block-kit-svg.js';

type Json = Record<string, unknown>;

const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";
const plain = (t: unknown) => String((t as Json | undefined)?.text ?? '');

function drawBlocks(blocks: readonly Json[], x: number, y: number, width: number, frame: Frame) {
  let svg = '';
  let height = 0;
  for (const b of blocks) {
    const drawn = block(b, x, y + height, width, frame);
    svg += drawn.svg;
    height += drawn.height;
  }
  return { svg, height };
}

function document(width: number, height: number, body: string, background = '#ffffff'): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}">`,
    `<rect width="${width}" height="${height}" fill="${background}"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

/** A message as it sits in a channel or DM: avatar, the app's name, then the blocks (or the text alone). */
export function renderMessage(message: { text: string; blocks?: unknown[] }, frame: Frame, width = 680): string {
  const x = 72;
  const inner = width - x - 24;
  const blocks = (message.blocks as Json[] | undefined) ?? [
    { type: 'section', text: { type: 'mrkdwn', text: message.text } },
  ];
  const drawn = drawBlocks(blocks, x, 48, inner, frame);
  const head =
    `<rect x="16" y="16" width="40" height="40" rx="6" fill="#f26522"/>` +
    `<text x="36" y="43" font-size="20" font-weight="800" fill="#ffffff" text-anchor="middle">M</text>` +
    `<text x="${x}" y="32" font-size="15" font-weight="800" fill="#1d1c1d">${frame.appName ?? 'Moodle Accounts'}</text>` +
    `<rect x="${x + [...(frame.appName ?? 'Moodle Accounts')].length * 9.4 + 6}" y="20" width="32" height="16" rx="3" fill="#e8e8e8"/>` +
    `<text x="${x + [...(frame.appName ?? 'Moodle Accounts')].length * 9.4 + 22}" y="32" font-size="10" font-weight="700" text-anchor="middle" fill="#616061">APP</text>`;
  return document(width, 48 + drawn.height + 16, head + drawn.svg);
}

/** A modal: its title, the blocks, and the Close and Submit buttons at the bottom. */
export function renderModal(view: Json, frame: Frame, width = 540): string {
  const x = 24;
  const inner = width - 2 * x;
  const drawn = drawBlocks((view.blocks as Json[] | undefined) ?? [], x, 72, inner, frame);
  const footY = 72 + drawn.height + 16;
  const submit = view.submit ? plain(view.submit) : '';
  const submitWidth = submit ? Math.round([...submit].length * 8.6 + 28) : 0;
  const close = plain(view.close) || 'Cancel';
  const closeWidth = Math.round([...close].length * 8.6 + 28);
  const closeX = width - x - submitWidth - (submit ? 8 : 0) - closeWidth;
  const body =
    `<text x="${x}" y="42" font-size="20" font-weight="800" fill="#1d1c1d">${plain(view.title)}</text>` +
    `<line x1="0" y1="64" x2="${width}" y2="64" stroke="#dddddd"/>` +
    drawn.svg +
    `<line x1="0" y1="${footY - 8}" x2="${width}" y2="${footY - 8}" stroke="#dddddd"/>` +
    button(close, closeX, footY + 8).svg +
    (submit ? button(submit, width - x - submitWidth, footY + 8, 'primary').svg : '');
  return document(
    width,
    footY + 56,
    `<rect x="0.5" y="0.5" width="${width - 1}" height="${footY + 55}" rx="8" fill="#ffffff" stroke="#cccccc"/>${body}`,
    '#f8f8f8',
  );
}

/** The app's Home tab: the tab bar, then the blocks. */
export function renderHome(view: Json, frame: Frame, width = 760): string {
  const x = 32;
  const drawn = drawBlocks((view.blocks as Json[] | undefined) ?? [], x, 84, width - 2 * x, frame);
  const head =
    `<text x="${x}" y="36" font-size="20" font-weight="800" fill="#1d1c1d">${frame.appName ?? 'Moodle Accounts'}</text>` +
    `<text x="${x}" y="66" font-size="14" font-weight="700" fill="#1d1c1d">Home</text>` +
    `<rect x="${x}" y="72" width="42" height="3" fill="#1264a3"/>` +
    `<text x="${x + 64}" y="66" font-size="14" fill="#616061">Messages</text>` +
    `<line x1="0" y1="75" x2="${width}" y2="75" stroke="#dddddd"/>`;
  return document(width, 84 + drawn.height + 24, head + drawn.svg);
}
