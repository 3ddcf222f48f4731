import { describe, expect, it } from 'vitest';
import type { CreateUserInput } from '../../src/core/moodle-gateway.js';
import { MoodleError, MoodleErrorCode } from '../../src/moodle/errors.js';
import { caught, ENDPOINT, expectNoSecret, json, mockMoodle, TOKEN } from './helpers.js';
import { recorded } from './recorded.js';

const bob: CreateUserInput = {
  username: 'gt_bob',
  firstname: 'Bob',
  lastname: 'Brown',
  email: 'gt_bob@example.com',
  auth: 'manual',
  password: 'Str0ng!Pass',
};

async function createError(body: string): Promise<MoodleError> {
  const m = mockMoodle([{ body }]);
  const err = await caught(m.client.createUsers([bob]));
  expect(err).toBeInstanceOf(MoodleError);
  return err as MoodleError;
}

describe('requests', () => {
  it('POSTs the token only in the form body, with wsfunction and moodlewsrestformat=json', async () => {
    const m = mockMoodle([{ body: recorded.a1 }]);
    await m.client.getSiteInfo();
    expect(m.urls).toEqual([ENDPOINT]);
    const body = m.requests[0];
    expect(body?.get('wstoken')).toBe(TOKEN);
    expect(body?.get('wsfunction')).toBe('core_webservice_get_site_info');
    expect(body?.get('moodlewsrestformat')).toBe('json');
    expect([...(body?.keys() ?? [])]).toEqual(['wstoken', 'wsfunction', 'moodlewsrestformat']);
  });

  it('sends create_users exactly like real-responses b2', async () => {
    const m = mockMoodle([{ body: '[{"id":122,"username":"gt_bob"}]' }]);
    await expect(m.client.createUsers([bob])).resolves.toEqual([{ id: 122, username: 'gt_bob' }]);
    expect([...(m.requests[0]?.entries() ?? [])].slice(1)).toEqual([
      ['wsfunction', 'core_user_create_users'],
      ['moodlewsrestformat', 'json'],
      ['users[0][username]', 'gt_bob'],
      ['users[0][firstname]', 'Bob'],
      ['users[0][lastname]', 'Brown'],
      ['users[0][email]', 'gt_bob@example.com'],
      ['users[0][auth]', 'manual'],
      ['users[0][password]', 'Str0ng!Pass'],
    ]);
  });

  it('sends nothing for empty lists', async () => {
    const m = mockMoodle([]);
    await expect(m.client.createUsers([])).resolves.toEqual([]);
    await expect(m.client.deleteUsers([])).resolves.toBeUndefined();
    await expect(m.client.updateUsers([])).resolves.toBeUndefined();
    await expect(m.client.getUsersByField('username', [])).resolves.toEqual([]);
    expect(m.requests).toHaveLength(0);
  });

  it('refuses unsupported get_users keys, repeated keys and no criteria before sending (d8)', async () => {
    const m = mockMoodle([{ body: recorded.d8warning }]);
    for (const criteria of [
      [{ key: 'foo', value: 'bar' }],
      [
        { key: 'email', value: 'a' },
        { key: 'email', value: 'b' },
      ],
      [],
    ]) {
      // The cast stands for untyped callers: the type already rules 'foo' out.
      const err = await caught(m.client.getUsers(criteria as Parameters<typeof m.client.getUsers>[0]));
      expect((err as MoodleError).code).toBe(MoodleErrorCode.InvalidRequest);
    }
    expect(m.requests).toHaveLength(0);
  });

  it('refuses an id that is not a whole number before sending', async () => {
    const m = mockMoodle([]);
    expect(((await caught(m.client.deleteUsers([1.5]))) as MoodleError).code).toBe(MoodleErrorCode.InvalidRequest);
    expect(((await caught(m.client.getUsersByField('id', ['012']))) as MoodleError).code).toBe(
      MoodleErrorCode.InvalidRequest,
    );
    expect(m.requests).toHaveLength(0);
  });

  it('rejects a get_users answer with warnings rather than trust a widened search', async () => {
    const m = mockMoodle([{ body: recorded.d8warning }]);
    const err = (await caught(m.client.getUsers([{ key: 'username', value: 'x' }]))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.BadResponse);
    expect(err.hint).toMatch(/ignored a search criterion/);
  });
});

describe('successful answers', () => {
  it('parses site info (a1)', async () => {
    const info = await mockMoodle([{ body: recorded.a1 }]).client.getSiteInfo();
    expect(info).toMatchObject({ sitename: 'LMS Focusteck', siteurl: 'http://127.0.0.1:8080', userid: 3 });
    expect(info.userissiteadmin).toBe(false);
    expect(info.functions).toContain('core_user_create_users');
    expect(info.functions).toHaveLength(6);
  });

  it('parses users (d1), keeps the optional keys sent and omits absent ones', async () => {
    const m = mockMoodle([{ body: recorded.d1 }]);
    const [user] = await m.client.getUsersByField('username', ['gt_bob']);
    expect(user).toMatchObject({ id: 122, username: 'gt_bob', email: 'gt_bob@example.com', suspended: false });
    expect(user).toMatchObject({ department: '', lang: 'en', timezone: '99', firstaccess: 0, lastaccess: 0 });
    expect(user && 'city' in user).toBe(false);
    expect(m.requests[0]?.get('field')).toBe('username');
    expect(m.requests[0]?.get('values[0]')).toBe('gt_bob');
  });

  it('returns create results in order (b3) and resolves delete on null (f1)', async () => {
    const m = mockMoodle([{ body: recorded.b3 }, { body: recorded.f1 }]);
    const two = [
      { ...bob, username: 'gt_carol', email: 'c@example.com' },
      { ...bob, username: 'gt_dave', email: 'd@example.com' },
    ];
    await expect(m.client.createUsers(two)).resolves.toEqual([
      { id: 123, username: 'gt_carol' },
      { id: 124, username: 'gt_dave' },
    ]);
    await expect(m.client.deleteUsers([123, 124])).resolves.toBeUndefined();
    expect(m.requests[1]?.getAll('userids[1]')).toEqual(['124']);
  });

  it('resolves update when warnings are empty (e1)', async () => {
    await expect(
      mockMoodle([{ body: recorded.e1 }]).client.updateUsers([{ id: 122, email: 'n@example.com' }]),
    ).resolves.toBeUndefined();
  });
});

describe('findUsersByEmail', () => {
  it('searches with get_users (case-insensitive) and keeps only exact matches ignoring case', async () => {
    const near = recorded.d6b.replace(
      '"users":[',
      '"users":[{"id":130,"username":"gt_bobx","firstname":"X","lastname":"Y","fullname":"X Y","email":"gtXbob@example.com","auth":"manual","suspended":false,"confirmed":true},',
    );
    const m = mockMoodle([{ body: near }]);
    const users = await m.client.findUsersByEmail('GT_BOB@EXAMPLE.COM');
    expect(users.map((u) => u.id)).toEqual([122]);
    expect(m.requests[0]?.get('wsfunction')).toBe('core_user_get_users');
    expect(m.requests[0]?.get('criteria[0][key]')).toBe('email');
    // `_` is a LIKE wildcard: escaped, it matches only itself.
    expect(m.requests[0]?.get('criteria[0][value]')).toBe('GT\\_BOB@EXAMPLE.COM');
  });

  it('escapes backslash, % and _ with a backslash, so the look-up matches the typed text literally', async () => {
    const m = mockMoodle([{ body: recorded.d7 }]);
    await m.client.findUsersByEmail('"a\\b"%_@example.com');
    expect(m.requests[0]?.get('criteria[0][value]')).toBe('"a\\\\b"\\%\\_@example.com');
    await m.client.getUsers([
      { key: 'firstname', value: '50%' },
      { key: 'idnumber', value: 'A_1%' },
    ]);
    expect(m.requests[1]?.get('criteria[0][value]')).toBe('50\\%');
    // idnumber is compared with `=`: nothing to escape.
    expect(m.requests[1]?.get('criteria[1][value]')).toBe('A_1%');
  });
});

describe('look-up caps', () => {
  const userJson = (id: number, email = 'same@example.com') => ({
    id,
    username: `u${id}`,
    firstname: 'U',
    lastname: `${id}`,
    fullname: `U ${id}`,
    email,
    auth: 'manual',
    suspended: false,
    confirmed: true,
  });
  const many = (n: number) => Array.from({ length: n }, (_, i) => userJson(100 + i));

  it('an email look-up answered with more than 10 accounts is an error, asked once (a Moodle ignoring the escape)', async () => {
    const m = mockMoodle([json({ users: many(11), warnings: [] })]);
    const err = (await caught(m.client.findUsersByEmail('same@example.com'))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.LookupTooBroad);
    expect(err.message).toContain('11 accounts where at most 10');
    expect(m.requests).toHaveLength(1);
    const ten = mockMoodle([json({ users: many(10), warnings: [] })]);
    await expect(ten.client.findUsersByEmail('same@example.com')).resolves.toHaveLength(10);
  });

  it('a username or id names one account each; an ID number up to 10', async () => {
    const two = mockMoodle([json(many(2))]);
    expect(((await caught(two.client.getUsersByField('username', ['u100']))) as MoodleError).code).toBe(
      MoodleErrorCode.LookupTooBroad,
    );
    expect(((await caught(two.client.getUsersByField('id', [100, 100]))) as MoodleError).code).toBe(
      MoodleErrorCode.LookupTooBroad,
    );
    expect(two.requests).toHaveLength(2);
    await expect(two.client.getUsersByField('id', [100, 101])).resolves.toHaveLength(2);
    await expect(two.client.getUsersByField('idnumber', ['S1'])).resolves.toHaveLength(2);
    const byName = mockMoodle([json({ users: many(2), warnings: [] })]);
    const err = (await caught(
      byName.client.getUsers([
        { key: 'email', value: 'same@example.com' },
        { key: 'username', value: 'u100' },
      ]),
    )) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.LookupTooBroad);
  });
});

describe('exception envelopes (recorded bodies)', () => {
  it('invalidparameter without debuginfo lists the likely causes (c1)', async () => {
    const err = await createError(recorded.c1);
    expect(err.code).toBe(MoodleErrorCode.InvalidParameter);
    expect(err.outcomeUnknown).toBe(false);
    expect(err.envelope).toEqual({
      exception: 'core\\exception\\invalid_parameter_exception',
      errorcode: 'invalidparameter',
      message: 'Invalid parameter value detected',
    });
    expect(err.hint).toMatch(/already belongs to another account/);
    expect(err.hint).toMatch(/uppercase/);
    expect(err.hint).toMatch(/email address is invalid/);
    expect(err.hint).toMatch(/Nothing was changed/);
  });

  it.each([
    ['A_c1', /username "gt_bob" is already taken/],
    ['A_c2b', /already uses the email address "GT_BOB@EXAMPLE.COM"/],
    ['A_c3', /"GT_Upper" is not a valid Moodle username: use lowercase/],
    ['A_c5', /"not-an-email" is not a valid email address/],
    ['A_c7', /required field firstname is missing/],
    ['A_c7b', /field firstname must not be blank/],
    ['A_c8', /No password was given/],
    ['A_c9', /"foo" is not an installed authentication method/],
    ['A_c12', /does not accept the field\(s\) slackid/],
  ] as const)('invalidparameter with debuginfo %s is explained in plain words', async (key, hint) => {
    const err = await createError(recorded[key]);
    expect(err.code).toBe(MoodleErrorCode.InvalidParameter);
    expect(err.hint).toMatch(hint);
    expect(err.envelope?.debuginfo).toBeTruthy();
  });

  it('password policy (c6): plain-text policy lines, no tags', async () => {
    const err = await createError(recorded.c6);
    expect(err.code).toBe(MoodleErrorCode.PasswordPolicy);
    expect(err.hint).toContain('Passwords must be at least 8 characters long.');
    expect(err.hint).toContain('The password must have at least 1 special character(s) such as *, -, or #.');
    expect(err.hint).not.toMatch(/<\/?div>/);
    expect(err.message).not.toMatch(/<\/?div>/);
  });

  it.each([
    ['c11', MoodleErrorCode.DatabaseWrite, /longer than its column/],
    ['g1', MoodleErrorCode.InvalidToken, /Site administration > Server > Web services > Manage tokens/],
    ['g2', MoodleErrorCode.AccessException, /External services > Functions.*webservice\/rest:use/],
    ['B_g9', MoodleErrorCode.AccessException, /may not use the REST protocol: allow webservice\/rest:use/],
    ['g8', MoodleErrorCode.NoPermissions, /capability moodle\/user:create/],
  ] as const)('%s maps to its code and hint', async (key, code, hint) => {
    const err = await createError(recorded[key]);
    expect(err.code).toBe(code);
    expect(err.hint).toMatch(hint);
  });

  it.each([
    ['f2', MoodleErrorCode.InvalidUser, /does not exist or the account was already deleted/],
    ['f3', MoodleErrorCode.AdminNotDeletable, /Site administrators cannot be deleted/],
    ['f4', MoodleErrorCode.UserNotDeleted, /token's own account/],
  ] as const)('delete %s maps to its code and hint', async (key, code, hint) => {
    const m = mockMoodle([{ body: recorded[key] }]);
    const err = (await caught(m.client.deleteUsers([999999]))) as MoodleError;
    expect(err.code).toBe(code);
    expect(err.hint).toMatch(hint);
    expect(err.outcomeUnknown).toBe(false);
  });

  it('an unknown function is invalidrecord (g5), and probeFunction reports it', async () => {
    const m = mockMoodle([{ body: recorded.g5 }, { body: recorded.g2 }, { body: recorded.c1 }, { body: recorded.a1 }]);
    await expect(m.client.probeFunction('core_user_does_not_exist')).resolves.toBe('unknown_function');
    await expect(m.client.probeFunction('core_user_create_users')).resolves.toBe('not_in_service');
    await expect(m.client.probeFunction('core_user_create_users')).resolves.toBe('available');
    await expect(m.client.probeFunction('core_webservice_get_site_info')).resolves.toBe('available');
    expect(m.requests[2]?.has('users[0][username]')).toBe(false);
  });

  it('call() returns the parsed JSON or throws the envelope', async () => {
    const m = mockMoodle([{ body: recorded.d7 }, { body: recorded.g1 }]);
    await expect(
      m.client.call('core_user_get_users', { criteria: [{ key: 'username', value: 'x' }] }),
    ).resolves.toEqual({
      users: [],
      warnings: [],
    });
    expect(((await caught(m.client.call('core_user_get_users'))) as MoodleError).code).toBe(
      MoodleErrorCode.InvalidToken,
    );
    expect(((await caught(m.client.call('x', { wstoken: 'y' }))) as MoodleError).code).toBe(
      MoodleErrorCode.InvalidRequest,
    );
  });
});

describe('update warnings (recorded bodies)', () => {
  it.each([
    ['e2', 'useremailduplicate', 122, /already uses that email address/],
    ['e3', 'invaliduserid', 999999, /no Moodle user has that id/],
    ['e5', 'usernotupdatedadmin', 2, /site administrators can only be changed/],
    ['e6', 'dmlwriteexception', 122, /username is already taken/],
    ['e7', 'useremailinvalid', 122, /email address is not valid/],
    ['e8', 'usernotupdatedguest', 1, /guest account cannot be changed/],
    ['e9', 'invaliduserid', 999998, /no Moodle user has that id/],
  ] as const)('%s becomes an update_warnings error per user', async (key, warningcode, itemid, hint) => {
    const m = mockMoodle([{ body: recorded[key] }]);
    const err = (await caught(m.client.updateUsers([{ id: itemid, firstname: 'X' }]))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.UpdateWarnings);
    expect(err.warnings).toHaveLength(1);
    expect(err.warnings?.[0]).toMatchObject({ itemid, warningcode });
    expect(err.warnings?.[0]?.hint).toMatch(hint);
    expect(err.hint).toMatch(hint);
    expect(err.hint).toMatch(/without a warning were updated/);
  });
});

describe('HTTP and body failures', () => {
  it('403 with an empty body: web services or REST disabled (g3/g4)', async () => {
    const err = await createError('');
    expect(err.code).toBe(MoodleErrorCode.NotJson);
    const m = mockMoodle([{ status: 403, body: '', contentType: 'text/html; charset=utf-8' }]);
    const e403 = (await caught(m.client.getSiteInfo())) as MoodleError;
    expect(e403.code).toBe(MoodleErrorCode.WebServicesDisabled);
    expect(e403.hint).toMatch(/Site administration > Advanced features > Enable web services/);
    expect(e403.hint).toMatch(/Server > Web services > Manage protocols/);
    expect(m.requests).toHaveLength(1);
  });

  it('503 is maintenance; reads retry it, writes never do', async () => {
    const m = mockMoodle([{ status: 503, body: '<html>maintenance</html>' }], { readRetries: 2 });
    const read = (await caught(m.client.getSiteInfo())) as MoodleError;
    expect(read.code).toBe(MoodleErrorCode.Maintenance);
    expect(m.requests).toHaveLength(3);
    const w = mockMoodle([{ status: 503, body: '' }]);
    const write = (await caught(w.client.createUsers([bob]))) as MoodleError;
    expect(write.code).toBe(MoodleErrorCode.Maintenance);
    expect(write.outcomeUnknown).toBe(false);
    expect(w.requests).toHaveLength(1);
  });

  it('a read succeeds after two 502s; a create after one 502 is not retried and its outcome is unknown', async () => {
    const m = mockMoodle([{ status: 502, body: 'Bad gateway' }, { status: 502, body: '' }, { body: recorded.a1 }]);
    await expect(m.client.getSiteInfo()).resolves.toMatchObject({ userid: 3 });
    expect(m.requests).toHaveLength(3);
    const w = mockMoodle([{ status: 502, body: '' }, { body: recorded.b1 }]);
    const err = (await caught(w.client.createUsers([bob]))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.HttpStatus);
    expect(err.outcomeUnknown).toBe(true);
    expect(err.hint).toMatch(/outcome unknown: look the user up before retrying/i);
    expect(w.requests).toHaveLength(1);
  });

  it('an HTML page is not_json with a plain-text excerpt', async () => {
    const err = await createError('<html><body><h1>Login</h1><p>Please log in</p></body></html>');
    expect(err.code).toBe(MoodleErrorCode.NotJson);
    expect(err.message).toMatch(/HTML instead of JSON/);
    expect(err.bodyExcerpt).toBe('Login Please log in');
    expect(err.outcomeUnknown).toBe(true);
  });

  it('XML (g6a) and truncated JSON are not_json', async () => {
    expect((await createError(recorded.g6a)).message).toMatch(/XML instead of JSON/);
    const cut = await createError(recorded.b3.slice(0, 30));
    expect(cut.code).toBe(MoodleErrorCode.NotJson);
    expect(cut.outcomeUnknown).toBe(true);
  });

  it('JSON that fails the schema is bad_response', async () => {
    const err = await createError('{"users":[]}');
    expect(err.code).toBe(MoodleErrorCode.BadResponse);
    expect(err.outcomeUnknown).toBe(true);
    const short = await createError('[]');
    expect(short.code).toBe(MoodleErrorCode.BadResponse);
  });
});

describe('transport failures from the dispatcher (matched on err.code)', () => {
  const withCode = (code: string, message = 'boom') => Object.assign(new Error(message), { code });

  it.each([
    ['ENOTFOUND', 'dns', /does not resolve/, false],
    ['ECONNREFUSED', 'refused', /refused/, false],
    ['ECONNRESET', 'reset', /reset or closed/, true],
    ['UND_ERR_SOCKET', 'reset', /reset or closed/, true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls', /TLS.*self-signed/, false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls', /TLS/, false],
  ] as const)('%s → unreachable (%s)', async (code, kind, hint, unknown) => {
    const m = mockMoodle([withCode(code)]);
    const err = (await caught(m.client.createUsers([bob]))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.Unreachable);
    expect(err.transport).toBe(kind);
    expect(err.hint).toMatch(hint);
    expect(err.outcomeUnknown).toBe(unknown);
    expect(err.retryable).toBe(true);
    expect((err.cause as { code?: string }).code).toBe(code);
  });

  it('UND_ERR_HEADERS_TIMEOUT → timeout', async () => {
    const err = (await caught(
      mockMoodle([withCode('UND_ERR_HEADERS_TIMEOUT')]).client.deleteUsers([5]),
    )) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.Timeout);
    expect(err.outcomeUnknown).toBe(true);
  });

  it('an error without a known code becomes moodle_unknown, outcome unknown for writes', async () => {
    const err = (await caught(mockMoodle([new Error('weird')]).client.createUsers([bob]))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.Unknown);
    expect(err.outcomeUnknown).toBe(true);
  });
});

describe('the token and passwords never leak', () => {
  it('not from a transport error that echoes the request body', async () => {
    const body = `wstoken=${TOKEN}&users%5B0%5D%5Bpassword%5D=Str0ng%21Pass`;
    const echo = Object.assign(new Error(`socket hang up while sending ${body} (token ${TOKEN})`), {
      code: 'ECONNRESET',
      requestBody: body,
      options: { body, headers: { authorization: TOKEN } },
    });
    const m = mockMoodle([echo]);
    const err = (await caught(m.client.createUsers([bob]))) as MoodleError;
    expect(err.code).toBe(MoodleErrorCode.Unreachable);
    expectNoSecret(err, [TOKEN, 'Str0ng!Pass']);
    expect(err.request?.params['users[0][password]']).toBe('[redacted]');
    expect(err.request?.url).not.toContain(TOKEN);
    expect(err.request?.params['users[0][username]']).toBe('gt_bob');
    expectNoSecret(m.logLines.join('\n'), [TOKEN, 'Str0ng!Pass']);
  });

  it('not from an HTML page that prints the POST data', async () => {
    const page = `<html><b>Notice</b>: Undefined index in /var/www/x.php; POST: wstoken=${TOKEN} password=Str0ng!Pass</html>`;
    const m = mockMoodle([{ body: page }]);
    const err = (await caught(m.client.createUsers([bob]))) as MoodleError;
    expect(err.bodyExcerpt).toContain('[redacted]');
    expectNoSecret(err, [TOKEN, 'Str0ng!Pass']);
  });

  it('not from an exception envelope whose debuginfo repeats them', async () => {
    const body = JSON.stringify({
      exception: 'x',
      errorcode: 'invalidparameter',
      message: `Invalid parameter value detected (${TOKEN})`,
      debuginfo: `the value is "Str0ng!Pass" and ${encodeURIComponent(TOKEN)}`,
    });
    const m = mockMoodle([{ body }]);
    const err = (await caught(m.client.createUsers([bob]))) as MoodleError;
    expectNoSecret(err, [TOKEN, 'Str0ng!Pass']);
    expect(err.envelope?.message).toContain('[redacted]');
  });

  it('not from any log line, and logs name the function, duration and outcome', async () => {
    const m = mockMoodle([{ body: recorded.b1 }, { body: recorded.c1 }, { body: recorded.a1 }]);
    await m.client.createUsers([bob]);
    await caught(m.client.createUsers([bob]));
    await m.client.getSiteInfo();
    const lines = m.logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ wsfunction: 'core_user_create_users', outcome: 'ok' });
    expect(lines[1]).toMatchObject({ outcome: MoodleErrorCode.InvalidParameter, errorcode: 'invalidparameter' });
    expect(typeof lines[0]?.durationMs).toBe('number');
    const all = m.logLines.join('\n');
    expectNoSecret(all, [TOKEN, 'Str0ng!Pass']);
    expect(all).not.toContain('gt_bob@example.com');
  });

  it('not from JSON.stringify of an error', async () => {
    const err = await createError(recorded.g1);
    const out = JSON.parse(JSON.stringify(err)) as Record<string, unknown>;
    expect(out).toMatchObject({ code: MoodleErrorCode.InvalidToken, errorcode: 'invalidtoken' });
    expect(out.request).toBeUndefined();
    expectNoSecret(err);
  });
});
