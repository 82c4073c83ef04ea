import { access } from 'node:fs/promises';
import Type from 'typebox';
import { defineCheck } from '@lighthouse/core';

/**
 * An example third-party check, published the way anyone would publish one: its own package
 * name, `@lighthouse/core` as a peer dependency, and a `"lighthouse"` key in package.json that
 * names this file. It passes while a file exists (or, with `absent: true`, while it does not),
 * which makes a handy readiness gate: `touch /run/myapp/ready` once warmed up.
 */
export const FileExistsConfig = Type.Object(
  {
    path: Type.String({
      pattern: '^/',
      description: 'Absolute path of the file to look for, e.g. /run/myapp/ready.',
    }),
    absent: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Pass while the file does NOT exist (a "maintenance" flag file).',
      }),
    ),
  },
  { additionalProperties: false },
);

export default defineCheck({
  name: 'file-exists',
  description: 'Passes while a file exists (or, with absent: true, while it does not).',
  configSchema: FileExistsConfig,
  create(config) {
    const wantPresent = config.absent !== true;
    return {
      async perform() {
        const present = await access(config.path).then(
          () => true,
          () => false,
        );
        if (present === wantPresent) return { ok: true };
        return { ok: false, reason: `${config.path} ${present ? 'exists' : 'does not exist'}` };
      },
    };
  },
});
