// Every file under marathon/ validates against the schemas Marathon published for /v2/apps and
// /v2/groups (loaded with the quirks listed in the schema folder's README).
import { describe, expect, it } from 'vitest';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { join } from 'node:path';
import { APP_FILES, apps, group, marathonDir, readJson, schemaAvailable, schemaDir, schemaMissingReason } from './definitions.js';

const APP_SCHEMA_ID =
  'https://raw.githubusercontent.com/mesosphere/marathon/master/docs/docs/rest-api/public/api/v2/schema/AppDefinition.json';
const GROUP_SCHEMA_ID =
  'https://raw.githubusercontent.com/mesosphere/marathon/master/docs/docs/rest-api/public/api/v2/schema/Group.json';

function loadSchema(file: string, id: string): Record<string, unknown> {
  const schema = readJson<Record<string, unknown>>(join(schemaDir, file));
  // ajv 8 knows neither the draft-less `$schema` URI nor the draft-04 `id`.
  delete schema.$schema;
  delete schema.id;
  return { ...schema, $id: id };
}

function validators(): { app: ValidateFunction; group: ValidateFunction } {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(loadSchema('AppDefinition.json', APP_SCHEMA_ID));
  ajv.addSchema(loadSchema('Group.json', GROUP_SCHEMA_ID));
  return { app: ajv.getSchema(APP_SCHEMA_ID)!, group: ajv.getSchema(GROUP_SCHEMA_ID)! };
}

const errorsOf = (v: ValidateFunction) => JSON.stringify(v.errors, null, 2);

describe.skipIf(!schemaAvailable)('marathon/ against Marathon’s schema', () => {
  const v = schemaAvailable ? validators() : undefined;

  it.each(APP_FILES)('%s is a valid AppDefinition', (file) => {
    const ok = v!.app(apps[file]);
    expect(ok, `${file}: ${errorsOf(v!.app)}`).toBe(true);
  });

  it('redis-cache.json (a second group) is a valid AppDefinition', () => {
    const ok = v!.app(readJson(join(marathonDir, 'redis-cache.json')));
    expect(ok, errorsOf(v!.app)).toBe(true);
  });

  it('group.json is a valid Group', () => {
    const ok = v!.group(readJson(join(marathonDir, 'group.json')));
    expect(ok, errorsOf(v!.group)).toBe(true);
  });

  it('the validator is not vacuous: it refuses an unknown property and a bad protocol', () => {
    expect(v!.app({ ...apps['redis.json'], replicas: 3 })).toBe(false);
    const badCheck = { ...apps['redis.json'], healthChecks: [{ protocol: 'REDIS', portIndex: 0 }] };
    expect(v!.app(badCheck)).toBe(false);
    expect(v!.group({ ...group, apps: [{ ...apps['watcher.json'], id: 'Not Valid' }] })).toBe(false);
  });
});

// Only where the schema folder is absent: one skipped test whose name says why.
if (!schemaAvailable) {
  describe('marathon/ against Marathon’s schema', () => {
    it.skip(schemaMissingReason, () => {});
  });
}
