// The enrolments part of the Moodle port (manual enrolment plugin).

/** One manual enrolment. Times are Unix seconds; Moodle overwrites an existing enrolment's times and status. */
export interface EnrolmentInput {
  userId: number;
  courseId: number;
  roleId: number;
  timeStart?: number;
  timeEnd?: number;
  suspend?: boolean;
}

export interface UnenrolmentInput {
  userId: number;
  courseId: number;
}

/** A course the user is actively enrolled in (Moodle leaves out suspended and not-yet-started enrolments). */
export interface UserCourse {
  id: number;
  shortname: string;
  fullname: string;
  idnumber?: string;
}

export interface EnrolmentsGateway {
  /** All-or-nothing, like Moodle: one bad item fails the call, and Moodle names only the first. */
  enrolUsers(enrolments: EnrolmentInput[]): Promise<void>;
  /** All-or-nothing; unenrolling someone who is not enrolled succeeds. */
  unenrolUsers(items: UnenrolmentInput[]): Promise<void>;
  getUserCourses(userId: number): Promise<UserCourse[]>;
}
