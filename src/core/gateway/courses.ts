// The courses part of the Moodle port: finding the course a person names, before anyone approves an enrolment.

/** A course as core_course_get_courses_by_field returns it to the token user (idnumber only with course:update). */
export interface MoodleCourse {
  id: number;
  shortname: string;
  fullname: string;
  idnumber?: string;
  /**
   * Absent when the token user may see only the course's public information (no moodle/course:view and not
   * enrolled): enrolling anyone there then fails (requireloginerror).
   */
  visible?: boolean;
  /** The enabled enrolment plugins (`enrollmentmethods`); a manual enrolment needs `manual` here. */
  enrolmentMethods: string[];
}

export interface CoursesGateway {
  /**
   * Courses by id, short name (case-sensitive, as Moodle compares it) or ID number; none found → []. The site's
   * front page (course 1) is never returned: nobody enrols there.
   */
  getCoursesByField(field: 'id' | 'shortname' | 'idnumber', value: string | number): Promise<MoodleCourse[]>;
}
