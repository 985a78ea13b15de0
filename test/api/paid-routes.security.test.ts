// The shared route suite for every paid endpoint on the embedded default: SQLite store, in-process limiter.
import { routeSuite } from './route-suite.ts';
import { SQLITE_BACKEND } from './support.ts';

routeSuite(SQLITE_BACKEND);
