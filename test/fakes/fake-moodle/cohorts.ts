// core_cohort_get_cohorts, core_cohort_add_cohort_members and core_cohort_delete_cohort_members as recorded in
// real-responses-enrolment.json (section f): add works per item and turns problems into warnings with a string
// code; delete is all-or-nothing and quiet about non-members.
import type { FakeCohort } from './catalogue.js';
import { MoodleError, missingRecordError, type RequestContext } from './errors.js';
import { type Caller, type FunctionDef, O, type Params, validateContext, warningDesc } from './function-kit.js';
import { multiple, type Returned, single, value } from './params.js';

/** has_any_capability(manage, `capability`) or required_capability_exception naming `name`. */
function requireCohortCapability(ctx: RequestContext, caller: Caller, capability: string, name: string): void {
  const site = ctx.site;
  if (site.hasCapability(caller.userid, 'moodle/cohort:manage') || site.hasCapability(caller.userid, capability)) {
    return;
  }
  throw new MoodleError(
    ctx,
    'core\\exception\\required_capability_exception',
    'nopermissions',
    `Sorry, but you do not currently have permissions to do that (${name}).`,
  );
}

function getCohorts(ctx: RequestContext, caller: Caller, params: Params): Returned {
  const ids = params.cohortids as number[];
  const cohorts = [...ctx.site.catalogue.cohorts]
    .filter((c) => ids.length === 0 || ids.includes(c.id)) // f3, f3b: unknown ids are left out
    .sort((a, b) => a.id - b.id);
  return cohorts.map((cohort: FakeCohort) => {
    validateContext(ctx, caller);
    requireCohortCapability(ctx, caller, 'moodle/cohort:view', 'View site-wide cohorts');
    return {
      id: cohort.id,
      name: cohort.name,
      idnumber: cohort.idnumber,
      description: cohort.description,
      descriptionformat: 1,
      visible: cohort.visible,
      theme: '',
      customfields: [],
    };
  });
}

type Warning = { warningcode: string; message: string };

/** One member of an add: a warning for each problem, else the member is added (f4-f12b). */
function addOne(ctx: RequestContext, caller: Caller, member: Params): Warning | undefined {
  const site = ctx.site;
  const cohorttype = member.cohorttype as { type: string; value: string };
  const usertype = member.usertype as { type: string; value: string };
  if (cohorttype.type !== 'id' && cohorttype.type !== 'idnumber') {
    return { warningcode: '1', message: `invalid parameter: cohortype=${cohorttype.type}` }; // f10 (sic)
  }
  if (usertype.type !== 'id' && usertype.type !== 'username') {
    return { warningcode: '1', message: `invalid parameter: usertype=${usertype.type}` }; // f10b
  }
  const cohort = site.catalogue.cohorts.find(
    (c) => String(c[cohorttype.type as 'id' | 'idnumber']) === cohorttype.value,
  );
  if (!cohort) return { warningcode: '2', message: `cohort ${cohorttype.type}=${cohorttype.value} not exists` };
  const user = site.users.find(
    (u) => !u.deleted && String(u[usertype.type as 'id' | 'username']) === usertype.value, // f11: deleted = unknown
  );
  if (!user) return { warningcode: '2', message: `user ${usertype.type}=${usertype.value} not exists` };
  if (site.catalogue.isMember(cohort.id, user.id)) {
    const what = `cohort(${cohorttype.type}=${cohorttype.value} ${usertype.type}=${usertype.value})`;
    return { warningcode: '3', message: `record already exists: ${what}` }; // f6
  }
  validateContext(ctx, caller);
  // Checked only now, for a member that would really be added; outside the method's try, so it throws.
  requireCohortCapability(ctx, caller, 'moodle/cohort:assign', 'Add and remove cohort members');
  site.catalogue.members.push({ cohortid: cohort.id, userid: user.id });
  return undefined;
}

function addCohortMembers(ctx: RequestContext, caller: Caller, params: Params): Returned {
  const catalogue = ctx.site.catalogue;
  const saved = catalogue.snapshot();
  const warnings: Warning[] = [];
  try {
    for (const member of params.members as Params[]) {
      const warning = addOne(ctx, caller, member);
      if (warning) warnings.push(warning);
    }
  } catch (error) {
    catalogue.restore(saved);
    throw error;
  }
  return { warnings };
}

function deleteCohortMembers(ctx: RequestContext, caller: Caller, params: Params): Returned {
  const site = ctx.site;
  const saved = site.catalogue.snapshot();
  try {
    for (const member of params.members as Params[]) {
      const cohortid = Number(member.cohortid);
      const userid = Number(member.userid);
      const cohort = site.catalogue.cohorts.find((c) => c.id === cohortid);
      if (!cohort) throw missingRecordError(ctx, 'cohort', 'SELECT * FROM {cohort} WHERE id = ?', [[0, cohortid]]); // f15
      if (!site.users.some((u) => u.id === userid && !u.deleted)) {
        const sql = 'SELECT * FROM {user} WHERE id = ? AND deleted = ? AND mnethostid = ?';
        throw missingRecordError(ctx, 'user', sql, [
          [0, userid],
          [1, 0],
          [2, '1'],
        ]); // f16
      }
      validateContext(ctx, caller);
      requireCohortCapability(ctx, caller, 'moodle/cohort:assign', 'Add and remove cohort members');
      // cohort_remove_member(): removing a non-member changes nothing (f14).
      site.catalogue.members = site.catalogue.members.filter((m) => !(m.cohortid === cohortid && m.userid === userid));
    }
  } catch (error) {
    site.catalogue.restore(saved);
    throw error;
  }
  return null;
}

const typeAndValue = single([
  ['type', value('alphanumext')],
  ['value', value('raw')],
]);

export const COHORT_FUNCTIONS: Readonly<Record<string, FunctionDef>> = {
  core_cohort_get_cohorts: {
    parameters: single([['cohortids', multiple(value('int'), { default: new Map() })]]),
    returns: multiple(
      single([
        ['id', value('int')],
        ['name', value('raw')],
        ['idnumber', value('raw')],
        ['description', value('raw')],
        ['descriptionformat', value('int')],
        ['visible', value('bool')],
        ['theme', value('raw', O)],
        ['customfields', multiple(single([['shortname', value('raw')]]), O)],
      ]),
    ),
    run: getCohorts,
  },
  core_cohort_add_cohort_members: {
    parameters: single([
      [
        'members',
        multiple(
          single([
            ['cohorttype', typeAndValue],
            ['usertype', typeAndValue],
          ]),
        ),
      ],
    ]),
    returns: single([['warnings', warningDesc(true)]]),
    run: addCohortMembers,
  },
  core_cohort_delete_cohort_members: {
    parameters: single([
      [
        'members',
        multiple(
          single([
            ['cohortid', value('int')],
            ['userid', value('int')],
          ]),
        ),
      ],
    ]),
    returns: null,
    run: deleteCohortMembers,
  },
};
