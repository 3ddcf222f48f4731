// Behaviour of the fake Moodle beyond the recorded cases: id sequence, soft delete, request parsing, settings
// toggles and the §2.2 update trap, each traced to docs/moodle/real-responses.md or ws-reference.md.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ALL_FUNCTIONS, type FakeMoodle, startFakeMoodle } from '../fakes/fake-moodle/index.js';
import { md5 } from '../fakes/fake-moodle/php.js';
import { callRest, userFields } from './helpers.js';

const NOW = 1_800_000_000_000;

describe('fake Moodle behaviour', () => {
  let fake: FakeMoodle;
  beforeAll(async () => {
    fake = await startFakeMoodle({ now: () => NOW, debug: 'normal' });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const create = async (...users: Array<Record<string, string>>) =>
    JSON.parse((await callRest(fake, 'core_user_create_users', Object.assign({}, ...users))).body);

  it('never reuses ids: deleted ids and ids burnt by a rolled-back batch stay gone (c10, g6e)', async () => {
    const [first] = await create(userFields(0, 'gt_one'));
    expect(first.id).toBe(4);
    await callRest(fake, 'core_user_delete_users', { 'userids[0]': String(first.id) });
    const failed = await create(userFields(0, 'gt_two'), userFields(1, 'admin', { email: 'x@example.com' }));
    expect(failed.errorcode).toBe('invalidparameter');
    // c11/c13: an over-long value fails before the sequence is used.
    await create(userFields(0, 'gt_long', { firstname: 'A'.repeat(101) }));
    const [again] = await create(userFields(0, 'gt_one'));
    expect(again.id).toBe(6);
    expect(fake.site.addUser({ username: 'direct' })).toBe(7);
  });

  it('soft-deletes as delete_user() does: username <email>.<time>, email md5(username) (docs/moodle/ws-reference.md §2.3)', async () => {
    const [user] = await create(userFields(0, 'gt_gone', { email: 'Gone.User@Example.com' }));
    expect((await callRest(fake, 'core_user_delete_users', { 'userids[0]': String(user.id) })).body).toBe('null');
    const stored = fake.site.getUser(user.id)!;
    expect(stored.deleted).toBe(true);
    expect(stored.username).toBe(`gone.user@example.com.${NOW / 1000}`);
    expect(stored.email).toBe(md5('gt_gone'));
    expect(fake.site.users.some((u) => u.id === user.id)).toBe(true);
    // The username and email are free again at once.
    const [reused] = await create(userFields(0, 'gt_gone', { email: 'Gone.User@Example.com' }));
    expect(reused.id).toBeGreaterThan(user.id);
    const byEmail = JSON.parse(
      (await callRest(fake, 'core_user_get_users', { 'criteria[0][key]': 'email', 'criteria[0][value]': 'gone%' }))
        .body,
    );
    expect(byEmail.users.map((u: { id: number }) => u.id)).toEqual([reused.id]);
  });

  it('get_users compares email, firstname and lastname with LIKE: no case, % and _ wildcards, \\ escapes (d6b)', async () => {
    fake.site.seedRecordingUsers();
    fake.site.addUser({ username: 'gt_odd', firstname: '50%', lastname: 'Off', email: 'a%b_c\\d@example.com' });
    const search = async (key: string, value: string) =>
      JSON.parse(
        (await callRest(fake, 'core_user_get_users', { 'criteria[0][key]': key, 'criteria[0][value]': value })).body,
      ).users.map((u: { username: string }) => u.username);
    const everyone = fake.site.users.filter((u) => !u.deleted).map((u) => u.username);
    expect(await search('email', '%@%')).toEqual(everyone);
    expect(await search('email', 'GT_BOB@EXAMPLE.COM')).toEqual(['gt_bob']);
    expect(await search('email', 'gt_bo_@example.com')).toEqual(['gt_bob']);
    expect(await search('email', 'gt\\_bob@example.com')).toEqual(['gt_bob']);
    expect(await search('email', 'gt\\_bo\\_@example.com')).toEqual([]);
    expect(await search('email', '\\%@\\%')).toEqual([]);
    expect(await search('email', 'A\\%B\\_C\\\\D@example.com')).toEqual(['gt_odd']);
    expect(await search('firstname', '50\\%')).toEqual(['gt_odd']);
    expect(await search('lastname', '%')).toEqual(everyone);
    // idnumber and username use `=`: a % is only a character there.
    expect(await search('username', '%')).toEqual([]);
  });

  it('a failed delete batch deletes nothing (f6); guest is skipped silently (f5)', async () => {
    const [user] = await create(userFields(0, 'gt_keep'));
    const answer = JSON.parse(
      (
        await callRest(fake, 'core_user_delete_users', {
          'userids[0]': String(user.id),
          'userids[1]': '1',
          'userids[2]': '2',
        })
      ).body,
    );
    expect(answer.errorcode).toBe('useradminodelete');
    expect(fake.site.getUser(user.id)!.deleted).toBe(false);
    expect((await callRest(fake, 'core_user_delete_users', { 'userids[0]': '1' })).body).toBe('null');
    expect(fake.site.getUser(1)!.deleted).toBe(false);
  });

  it('returns created users in first-appearance order of the indices (docs/moodle/ws-reference.md §1.1)', async () => {
    const body = new URLSearchParams({ ...userFields(5, 'gt_later'), ...userFields(2, 'gt_sooner') });
    const result = await create(Object.fromEntries(body));
    expect(result.map((u: { username: string }) => u.username)).toEqual(['gt_later', 'gt_sooner']);
  });

  it('merges query and body with the body winning, and ignores a JSON body (docs/moodle/ws-reference.md §1.1)', async () => {
    const url = `${fake.url}/webservice/rest/server.php?wstoken=wrong&wsfunction=core_webservice_get_site_info&moodlewsrestformat=json`;
    const merged = await fetch(url, { method: 'POST', body: new URLSearchParams({ wstoken: fake.token }) });
    expect(((await merged.json()) as { username: string }).username).toBe('api-user');
    const json = await fetch(`${fake.url}/webservice/rest/server.php`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        wstoken: fake.token,
        wsfunction: 'core_webservice_get_site_info',
        moodlewsrestformat: 'json',
      }),
    });
    expect(await json.text()).toContain('<ERRORCODE>invalidtoken</ERRORCODE>');
    const form = new FormData();
    form.set('wstoken', fake.token);
    form.set('wsfunction', 'core_webservice_get_site_info');
    form.set('moodlewsrestformat', 'json');
    const multipart = await fetch(`${fake.url}/webservice/rest/server.php`, { method: 'POST', body: form });
    expect(((await multipart.json()) as { userid: number }).userid).toBe(3);
  });

  it('rejects unexpected top-level keys and non-canonical scalars (docs/moodle/ws-reference.md §2.0)', async () => {
    const extra = JSON.parse((await callRest(fake, 'core_webservice_get_site_info', { _: '123' })).body);
    expect(extra.debuginfo).toBe('Unexpected keys (_) detected in parameter array.');
    const [user] = await create(userFields(0, 'gt_typed'));
    for (const bad of ['true', '', '2']) {
      const answer = JSON.parse(
        (
          await callRest(fake, 'core_user_update_users', {
            'users[0][id]': String(user.id),
            'users[0][suspended]': bad,
          })
        ).body,
      );
      expect(answer.debuginfo).toBe(
        `users => Invalid parameter value detected: suspended => Invalid parameter value detected: Invalid external api parameter: the value is "${bad}", the server was expecting "bool" type`,
      );
    }
    const id = JSON.parse((await callRest(fake, 'core_user_delete_users', { 'userids[0]': '012' })).body);
    expect(id.errorcode).toBe('invalidparameter');
  });

  it('honours allowaccountssameemail, extendedusernamechars and passwordpolicy', async () => {
    await create(userFields(0, 'gt_a', { email: 'same@example.com' }));
    expect((await create(userFields(0, 'gt_b', { email: 'SAME@example.com' }))).debuginfo).toBe(
      'Email address already exists: SAME@example.com',
    );
    fake.site.settings.allowaccountssameemail = true;
    expect((await create(userFields(0, 'gt_b', { email: 'SAME@example.com' })))[0].username).toBe('gt_b');
    expect((await create(userFields(0, 'gt space'))).errorcode).toBe('invalidparameter');
    fake.site.settings.extendedusernamechars = true;
    expect((await create(userFields(0, 'gt space', { email: 'space@example.com' })))[0].username).toBe('gt space');
    expect((await create(userFields(0, 'gt_weak', { password: 'abc' }))).errorcode).toContain('<div>');
    fake.site.settings.passwordpolicy = false;
    expect((await create(userFields(0, 'gt_weak', { password: 'abc' })))[0].username).toBe('gt_weak');
  });

  it('createpassword sets auth_forcepasswordchange and mails after the commit (b1)', async () => {
    const fields = userFields(0, 'gt_mail');
    delete fields['users[0][password]'];
    const [user] = await create({ ...fields, 'users[0][createpassword]': '1' });
    expect(fake.site.getPreference(user.id, 'auth_forcepasswordchange')).toBe('1');
    expect(fake.site.mail).toEqual([{ to: 'gt_mail@example.com', subject: 'LMS Focusteck: New user account' }]);
  });

  it('update: a policy failure breaks the whole response after other users were saved (docs/moodle/ws-reference.md §2.2 item 7)', async () => {
    const [a, b] = await create(userFields(0, 'gt_u1'), userFields(1, 'gt_u2'));
    const answer = JSON.parse(
      (
        await callRest(fake, 'core_user_update_users', {
          'users[0][id]': String(a.id),
          'users[0][firstname]': 'Changed',
          'users[1][id]': String(b.id),
          'users[1][password]': 'abc',
        })
      ).body,
    );
    expect(answer.errorcode).toBe('invalidresponse');
    expect(answer.debuginfo).toMatch(/^warnings => Invalid response value detected: warningcode => /);
    expect(fake.site.getUser(a.id)!.firstname).toBe('Changed');
  });

  it('service functions, site admin and capabilities drive access (a1, g2, g8)', async () => {
    fake.site.setSiteAdmin(3, true);
    expect(JSON.parse((await callRest(fake, 'core_webservice_get_site_info')).body).userissiteadmin).toBe(true);
    fake.site.setSiteAdmin(3, false);
    fake.site.setServiceFunctions('user_creation', ['core_user_get_users']);
    expect(JSON.parse((await callRest(fake, 'core_webservice_get_site_info')).body).errorcode).toBe('accessexception');
    const token = fake.site.addToken(3, 'extra');
    fake.site.setServiceFunctions('extra', ['core_webservice_get_site_info']);
    const info = JSON.parse((await callRest(fake, 'core_webservice_get_site_info', {}, token)).body);
    expect(info.functions).toEqual([{ name: 'core_webservice_get_site_info', version: '2024100706' }]);
    fake.site.setServiceFunctions('user_creation', ALL_FUNCTIONS);
    fake.site.removeCapability('moodle/user:viewalldetails');
    const lookup = await callRest(fake, 'core_user_get_users_by_field', { field: 'username', 'values[0]': 'admin' });
    expect(lookup.body).toBe('[]');
  });
});
