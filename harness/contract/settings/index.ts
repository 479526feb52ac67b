// Registry of settings. Each setting lives in its own file and registers itself; add one import line per setting.
import './locked-no4k.ts';
import './zoo.ts';

export { getSetting, listSettings, defineSetting } from './registry.ts';
