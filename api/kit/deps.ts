import type { Client } from '@temporalio/client';
import type { Config } from '../../config/env';
import type { Db } from '../../db/kit/pool';
import type { RunnerSettings } from './workflow-runner';

/** What every route plugin is given: the settings, PostgreSQL, the Temporal client and how to run workflows. */
export interface ApiDeps {
  config: Config;
  db: Db;
  temporal: Client;
  runner: RunnerSettings;
}
