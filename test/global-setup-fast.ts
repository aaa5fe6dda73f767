import type { TestProject } from 'vitest/node';
import { workflowBundleForRun } from './helpers/build-once';
import './helpers/stack-info';

/** The fast tier starts no stack: its time-skipping and replay tests only need the workflow bundle. */
export default async function setup(project: TestProject) {
  project.provide('workflowBundlePath', await workflowBundleForRun());
}
