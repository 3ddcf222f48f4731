// The user writes of the client: core_user_create_users, core_user_update_users, core_user_delete_users. Writes
// are never retried; an update answers per-user warnings instead of failing, and those become one error.
import type { CreatedUser, CreateUserInput, MoodleGateway, UpdateUserInput } from '../core/moodle-gateway.js';
import type { Secret } from '../secret.js';
import { encodeCreateUser, encodeUpdateUser } from './encode.js';
import { updateWarningsError } from './envelope-errors.js';
import type { MoodleCaller } from './method-kit.js';
import { badResponseError } from './response-errors.js';
import { createUsersResponseSchema, deleteUsersResponseSchema, updateUsersResponseSchema } from './schemas.js';
import { scrubMoodleError } from './scrub.js';

type UserWrites = Pick<MoodleGateway, 'createUsers' | 'updateUsers' | 'deleteUsers'>;

/** `token` is scrubbed, with the passwords sent, from the warnings error (its text comes from Moodle). */
export function createUserWrites({ call, parse }: MoodleCaller, token: Secret): UserWrites {
  return {
    async createUsers(users: CreateUserInput[]): Promise<CreatedUser[]> {
      const fn = 'core_user_create_users';
      if (users.length === 0) return [];
      const body = await call(fn, { users: users.map(encodeCreateUser) }, { kind: 'write' });
      const created = parse(createUsersResponseSchema, body, fn, true);
      if (created.length !== users.length) {
        throw badResponseError(`${created.length} users returned for ${users.length} sent`, {
          wsfunction: fn,
          write: true,
        });
      }
      return created.map((c) => ({ id: c.id, username: c.username }));
    },

    async updateUsers(users: UpdateUserInput[]): Promise<void> {
      const fn = 'core_user_update_users';
      if (users.length === 0) return;
      const body = await call(fn, { users: users.map(encodeUpdateUser) }, { kind: 'write' });
      const { warnings } = parse(updateUsersResponseSchema, body, fn, true);
      if (warnings.length > 0) {
        throw scrubMoodleError(
          updateWarningsError(
            warnings.map((w) => ({
              warningcode: w.warningcode,
              message: w.message,
              ...(w.item === undefined ? {} : { item: w.item }),
              ...(w.itemid === undefined ? {} : { itemid: w.itemid }),
            })),
            { wsfunction: fn },
          ),
          [token.reveal(), ...users.flatMap((u) => (u.password ? [u.password] : []))],
        );
      }
    },

    async deleteUsers(userIds: number[]): Promise<void> {
      const fn = 'core_user_delete_users';
      if (userIds.length === 0) return;
      parse(deleteUsersResponseSchema, await call(fn, { userids: userIds }, { kind: 'write' }), fn, true);
    },
  };
}
