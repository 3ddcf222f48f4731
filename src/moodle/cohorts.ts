// Cohorts: core_cohort_get_cohorts, core_cohort_add_cohort_members, core_cohort_delete_cohort_members. Add works
// per item and warns instead of failing; delete is all-or-nothing (docs/moodle-enrolment.md). Moodle has no cohort
// look-up by idnumber other than listing them all.
import { z } from 'zod';
import type { CohortMembership, CohortsGateway, CohortWarning, MoodleCohort } from '../core/gateway/cohorts.js';
import { toCohortWarning } from './enrolment-errors.js';
import { type MoodleCaller, requireId } from './method-kit.js';
import { badResponseError } from './response-errors.js';

export const getCohortsResponseSchema = z.array(
  z.object({
    id: z.number().int(),
    name: z.string(),
    idnumber: z.string(),
    visible: z.boolean(),
  }),
);

/** Warnings carry only a string code and a message: no item or itemid (recording f6-f12b). */
export const addCohortMembersResponseSchema = z.object({
  warnings: z.array(z.object({ warningcode: z.string(), message: z.string() })),
});

export const deleteCohortMembersResponseSchema = z.null();

function memberIds(fn: string, m: CohortMembership) {
  return { cohortid: requireId(fn, 'cohortId', m.cohortId), userid: requireId(fn, 'userId', m.userId) };
}

export function createCohortMethods({ call, parse }: MoodleCaller): CohortsGateway {
  return {
    /** A read (retried). Unknown ids are left out silently; no ids lists every cohort. */
    async getCohorts(ids?: number[]): Promise<MoodleCohort[]> {
      const fn = 'core_cohort_get_cohorts';
      // An empty list would go out as no list at all, which means "every cohort" to Moodle.
      if (ids !== undefined && ids.length === 0) return [];
      const cohortids = ids?.map((id) => requireId(fn, 'cohort id', id));
      const body = await call(fn, cohortids ? { cohortids } : {}, { kind: 'read' });
      return parse(getCohortsResponseSchema, body, fn, false).map((c) => ({
        id: c.id,
        name: c.name,
        idnumber: c.idnumber,
        visible: c.visible,
      }));
    },

    /**
     * A write, never retried. Per item: the valid members are added and the others come back as warnings.
     * Idempotent: re-adding a member only warns `already_member`, nothing changes.
     */
    async addCohortMembers(items: CohortMembership[]): Promise<CohortWarning[]> {
      const fn = 'core_cohort_add_cohort_members';
      if (items.length === 0) return [];
      const members = items.map((m) => {
        const { cohortid, userid } = memberIds(fn, m);
        return { cohorttype: { type: 'id', value: String(cohortid) }, usertype: { type: 'id', value: String(userid) } };
      });
      const body = await call(fn, { members }, { kind: 'write' });
      const { warnings } = parse(addCohortMembersResponseSchema, body, fn, true);
      return warnings.map((w) => {
        const warning = toCohortWarning(w);
        if (warning) return warning;
        // The members without a warning were added: say so rather than guess what this code means.
        throw badResponseError(`unknown warning code "${w.warningcode}"`, { wsfunction: fn, write: true });
      });
    },

    /** A write, never retried. All-or-nothing; idempotent: removing someone who is not a member succeeds. */
    async deleteCohortMembers(items: CohortMembership[]): Promise<void> {
      const fn = 'core_cohort_delete_cohort_members';
      if (items.length === 0) return;
      const members = items.map((m) => memberIds(fn, m));
      parse(deleteCohortMembersResponseSchema, await call(fn, { members }, { kind: 'write' }), fn, true);
    },
  };
}
