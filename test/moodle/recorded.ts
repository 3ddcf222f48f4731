// Response bodies copied byte for byte from docs/moodle/real-responses.md (Moodle 4.5.6), by case id.
// Appendix A bodies (debug NORMAL) are the default body plus the recorded debuginfo.

const user = (id: number, username: string, first: string, last: string, email: string, suspended = false) =>
  String.raw`{"id":${id},"username":"${username}","firstname":"${first}","lastname":"${last}","fullname":"${first} ${last}","email":"${email}","department":"","firstaccess":0,"lastaccess":0,"auth":"manual","suspended":${suspended},"confirmed":true,"lang":"en","theme":"","timezone":"99","mailformat":1,"trackforums":0,"profileimageurlsmall":"http:\/\/127.0.0.1:8080\/theme\/image.php\/boost\/core\/1795728414\/u\/f2","profileimageurl":"http:\/\/127.0.0.1:8080\/theme\/image.php\/boost\/core\/1795728414\/u\/f1"}`;

const INVALID_PARAMETER = String.raw`{"exception":"core\\exception\\invalid_parameter_exception","errorcode":"invalidparameter","message":"Invalid parameter value detected"}`;
const POLICY = String.raw`{"exception":"core\\exception\\moodle_exception","errorcode":"<div>Passwords must be at least 8 characters long.<\/div><div>Passwords must have at least 1 digit(s).<\/div><div>Passwords must have at least 1 upper case letter(s).<\/div><div>The password must have at least 1 special character(s) such as *, -, or #.<\/div>","message":"error\/<div>Passwords must be at least 8 characters long.<\/div><div>Passwords must have at least 1 digit(s).<\/div><div>Passwords must have at least 1 upper case letter(s).<\/div><div>The password must have at least 1 special character(s) such as *, -, or #.<\/div>"}`;

const withDebug = (body: string, debuginfo: string) => `${body.slice(0, -1)},"debuginfo":${JSON.stringify(debuginfo)}}`;

export const recorded = {
  a1: String.raw`{"sitename":"LMS Focusteck","username":"api-user","firstname":"API","lastname":"User","fullname":"API User","lang":"en","userid":3,"siteurl":"http:\/\/127.0.0.1:8080","userpictureurl":"http:\/\/127.0.0.1:8080\/theme\/image.php\/boost\/core\/1795728414\/u\/f1","functions":[{"name":"core_user_create_users","version":"2024100706"},{"name":"core_user_update_users","version":"2024100706"},{"name":"core_user_delete_users","version":"2024100706"},{"name":"core_user_get_users_by_field","version":"2024100706"},{"name":"core_user_get_users","version":"2024100706"},{"name":"core_webservice_get_site_info","version":"2024100706"}],"downloadfiles":0,"uploadfiles":0,"release":"4.5.6 (Build: 20250811)","version":"2024100706","mobilecssurl":"","advancedfeatures":[{"name":"usecomments","value":1},{"name":"usetags","value":1},{"name":"enablenotes","value":1},{"name":"messaging","value":1},{"name":"enableblogs","value":1},{"name":"enablecompletion","value":1},{"name":"enablebadges","value":1},{"name":"messagingallusers","value":0},{"name":"enablecustomreports","value":1},{"name":"enableglobalsearch","value":0},{"name":"mnet_dispatcher_mode","value":0},{"name":"enablecompetencies","value":1}],"usercanmanageownfiles":true,"userquota":104857600,"usermaxuploadfilesize":2097152,"userhomepage":1,"userprivateaccesskey":"<redacted 32 hex>","siteid":1,"sitecalendartype":"gregorian","usercalendartype":"gregorian","userissiteadmin":false,"theme":"boost","limitconcurrentlogins":0,"policyagreed":0}`,
  b1: '[{"id":121,"username":"gt_alice"}]',
  b3: '[{"id":123,"username":"gt_carol"},{"id":124,"username":"gt_dave"}]',
  c1: INVALID_PARAMETER,
  c6: POLICY,
  c11: '{"exception":"dml_write_exception","errorcode":"dmlwriteexception","message":"Error writing to database"}',
  d1: `[${user(122, 'gt_bob', 'Bob', 'Brown', 'gt_bob@example.com')}]`,
  d2: '[]',
  d6b: `{"users":[${user(122, 'gt_bob', 'Bob', 'Brown', 'gt_bob@example.com')}],"warnings":[]}`,
  d7: '{"users":[],"warnings":[]}',
  d8warning: `{"users":[${user(1, 'guest', 'Guest user', ' ', 'root@localhost')}],"warnings":[{"item":"foo","warningcode":"invalidfieldparameter","message":"The search key 'foo' is not supported, look at the web service documentation"}]}`,
  e1: '{"warnings":[]}',
  e2: '{"warnings":[{"item":"user","itemid":122,"warningcode":"useremailduplicate","message":"Duplicate address"}]}',
  e3: '{"warnings":[{"item":"user","itemid":999999,"warningcode":"invaliduserid","message":"Invalid user ID"}]}',
  e5: '{"warnings":[{"item":"user","itemid":2,"warningcode":"usernotupdatedadmin","message":"Cannot update admin accounts"}]}',
  e6: '{"warnings":[{"item":"user","itemid":122,"warningcode":"dmlwriteexception","message":"Error writing to database"}]}',
  e7: String.raw`{"warnings":[{"item":"user","itemid":122,"warningcode":"useremailinvalid","message":"error\/useremailinvalid"}]}`,
  e8: String.raw`{"warnings":[{"item":"user","itemid":1,"warningcode":"usernotupdatedguest","message":"error\/usernotupdatedguest"}]}`,
  e9: '{"warnings":[{"item":"user","itemid":999998,"warningcode":"invaliduserid","message":"Invalid user ID"}]}',
  f1: 'null',
  f2: '{"exception":"dml_missing_record_exception","errorcode":"invaliduser","message":"Invalid user"}',
  f3: String.raw`{"exception":"core\\exception\\moodle_exception","errorcode":"useradminodelete","message":"Administrator accounts cannot be deleted."}`,
  f4: String.raw`{"exception":"core\\exception\\moodle_exception","errorcode":"usernotdeletederror","message":"User not deleted - error"}`,
  g1: String.raw`{"exception":"core\\exception\\moodle_exception","errorcode":"invalidtoken","message":"Invalid token - token not found"}`,
  g2: '{"exception":"webservice_access_exception","errorcode":"accessexception","message":"Access control exception"}',
  g5: `{"exception":"dml_missing_record_exception","errorcode":"invalidrecord","message":"Can't find data record in database table external_functions."}`,
  g6a: `<?xml version="1.0" encoding="UTF-8" ?>
<EXCEPTION class="dml_missing_record_exception">
<ERRORCODE>invalidrecord</ERRORCODE>
<MESSAGE>Can't find data record in database table external_functions.</MESSAGE>
</EXCEPTION>
`,
  g8: String.raw`{"exception":"core\\exception\\required_capability_exception","errorcode":"nopermissions","message":"Sorry, but you do not currently have permissions to do that (Create users)."}`,
  // Appendix A (debug = NORMAL)
  A_c1: withDebug(INVALID_PARAMETER, 'Username already exists: gt_bob'),
  A_c2b: withDebug(INVALID_PARAMETER, 'Email address already exists: GT_BOB@EXAMPLE.COM'),
  A_c3: withDebug(
    INVALID_PARAMETER,
    'users => Invalid parameter value detected: username => Invalid parameter value detected: Invalid external api parameter: the value is "GT_Upper", the server was expecting "username" type',
  ),
  A_c5: withDebug(INVALID_PARAMETER, 'Email address is invalid: not-an-email'),
  A_c7: withDebug(
    INVALID_PARAMETER,
    'users => Invalid parameter value detected: Missing required key in single structure: firstname',
  ),
  A_c7b: withDebug(INVALID_PARAMETER, 'The field firstname cannot be blank'),
  A_c8: withDebug(INVALID_PARAMETER, 'Invalid password: you must provide a password, or set createpassword.'),
  A_c9: withDebug(
    INVALID_PARAMETER,
    'users => Invalid parameter value detected: auth => Invalid parameter value detected: Invalid external api parameter: the value is "foo", the server was expecting "auth" type',
  ),
  A_c12: withDebug(
    INVALID_PARAMETER,
    'users => Invalid parameter value detected: Unexpected keys (slackid) detected in parameter array.',
  ),
  // Appendix B (verbatim)
  B_g9: String.raw`{"exception":"webservice_access_exception","errorcode":"accessexception","message":"Access control exception (You are not allowed to use the rest protocol (missing capability: webservice\/rest:use))","debuginfo":"You are not allowed to use the rest protocol (missing capability: webservice\/rest:use)"}`,
};
