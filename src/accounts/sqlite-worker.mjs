// Entry of the accounts writer thread. Worker threads do not inherit tsx's loader (neither from
// `node --import tsx` nor from bin/kolscope.mjs's register()), so the thread registers it itself.
import { register } from 'tsx/esm/api';

register();
await import('./sqlite-worker.ts');
