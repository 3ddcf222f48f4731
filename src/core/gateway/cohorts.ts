// The cohorts part of the Moodle port.

export interface MoodleCohort {
  id: number;
  name: string;
  idnumber: string;
  visible: boolean;
}

export interface CohortMembership {
  cohortId: number;
  userId: number;
}

/** A per-item problem of an add: Moodle adds the valid members and warns about the rest. */
export interface CohortWarning {
  /** `invalid`: a bad item type; `not_found`: no such cohort or user; `already_member`: nothing to do. */
  kind: 'invalid' | 'not_found' | 'already_member';
  message: string;
}

export interface CohortsGateway {
  /** The given cohorts (unknown ids are left out), or every cohort when `ids` is absent. */
  getCohorts(ids?: number[]): Promise<MoodleCohort[]>;
  /** Per item, never all-or-nothing: returns the warnings of the items that were not added. */
  addCohortMembers(items: CohortMembership[]): Promise<CohortWarning[]>;
  /** All-or-nothing; removing a non-member succeeds. */
  deleteCohortMembers(items: CohortMembership[]): Promise<void>;
}
